// Command motcua runs the Motcua digital-government platform.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/motcua/motcua/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], app.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
