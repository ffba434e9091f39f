package app

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/motcua/motcua/"

// edges are the package imports DESIGN.md forbids: dependencies point
// inward (cmd → app → web/api → domain → db), never back.
func forbidden(from, to string) string {
	edge := func(p string) bool { return p == "web" || p == "api" }
	switch {
	case to == "internal/app" && from != "cmd/motcua":
		return "only cmd/motcua may import the composition root"
	case edge(strings.TrimPrefix(to, "internal/")) && from != "internal/app":
		return "only the composition root may import an HTTP edge"
	case to == "internal/db/dbtest":
		return "dbtest is for tests only"
	case to == "internal/devidp" && from != "internal/app":
		return "the development identity provider is wired only by the composition root"
	case to == "internal/demo" && from != "internal/app":
		return "demo data is loaded only by the composition root"
	}
	return ""
}

func TestImportGraph(t *testing.T) {
	root := "../.."
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		from := filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			to := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(to, module) {
				continue
			}
			to = strings.TrimPrefix(to, module)
			checked++
			if why := forbidden(from, to); why != "" {
				t.Errorf("%s imports %s: %s", path, to, why)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d imports checked: the walk is broken", checked)
	}
}
