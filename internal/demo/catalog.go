package demo

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/catalog"
)

// catalogJSON is the demo catalogue: 31 real procedures of commune and
// province level with their national codes, times and fees (see the note
// in docs/demo-catalogue.md about the facts that could not be verified).
//
//go:embed catalog.json
var catalogJSON []byte

// Catalog returns the demo catalogue.
func Catalog() (catalog.Bundle, error) { return catalog.DecodeBundle(catalogJSON) }

// LoadCatalog imports and publishes the demo catalogue into an empty
// catalogue; it does nothing if any field already exists.
func LoadCatalog(ctx context.Context, cat *catalog.Service) (bool, error) {
	fields, err := cat.Fields(ctx)
	if err != nil {
		return false, err
	}
	if len(fields) > 0 {
		return false, nil
	}
	b, err := Catalog()
	if err != nil {
		return false, fmt.Errorf("demo catalogue: %w", err)
	}
	if _, err := cat.Import(ctx, &authz.Principal{Kind: authz.Operator, Name: "demo"}, b, true); err != nil {
		return false, fmt.Errorf("demo catalogue: %w", err)
	}
	return true, nil
}
