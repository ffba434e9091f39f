package app

import (
	"os"
	"strings"
	"testing"
)

// The README's configuration table is what operators read: every option
// must be there, under its flag and its variable.
func TestREADMEDocumentsEveryOption(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, o := range options {
		if !strings.Contains(readme, "`--"+o.flag+"`") || !strings.Contains(readme, "`"+o.env+"`") {
			t.Errorf("README.md does not document --%s / %s", o.flag, o.env)
		}
	}
}
