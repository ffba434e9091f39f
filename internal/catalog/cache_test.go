package catalog_test

import (
	"context"
	"testing"

	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/errs"
)

// Published keeps versions in memory, yet two server copies on one
// database see every publication and withdrawal the moment it commits,
// and no caller can change what another one reads.
func TestPublishedCacheAcrossCopies(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		other := catalog.NewService(d, nil, f.ags, nil) // a second server copy
		if _, err := f.svc.Import(ctx, operator, bundle(proc("1.001193", "Đăng ký khai sinh", "HT", 1)), true); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second round comes from the cache
			for _, s := range []*catalog.Service{f.svc, other} {
				v, err := s.Published(ctx, "1.001193", 0)
				if err != nil || v.Number != 1 || v.Status != catalog.Published || v.Doc.NameVI != "Đăng ký khai sinh" {
					t.Fatalf("Published = %d %s %q, %v", v.Number, v.Status, v.Doc.NameVI, err)
				}
				// A caller that scribbles on its copy changes nothing for others.
				v.Doc.NameVI = "changed"
				v.Doc.Agencies[0] = "X"
				v.Doc.Cases[0].Process[0].Role = "X"
				v.Doc.Cases[0].Form = append(v.Doc.Cases[0].Form[:0], catalog.FormField{Name: "x"})
			}
		}
		if v, _ := other.Published(ctx, "1.001193", 0); v.Doc.NameVI != "Đăng ký khai sinh" || v.Doc.Agencies[0] != "H26.50" ||
			v.Doc.Cases[0].Process[0].Role != "reception-officer" || v.Doc.Cases[0].Form[0].Name != "full_name" {
			t.Fatalf("a caller's changes reached the cache: %+v", v.Doc)
		}

		// Version 2 published through the first copy: the second serves it
		// at once, and version 1 as superseded.
		adm, err := f.svc.AdminView(ctx, operator, "1.001193")
		if err != nil {
			t.Fatal(err)
		}
		v2 := proc("1.001193", "Đăng ký khai sinh (sửa đổi)", "HT", 2)
		if _, err := f.svc.SaveDraft(ctx, operator, v2, adm.Lock); err != nil {
			t.Fatal(err)
		}
		if v, _ := other.Published(ctx, "1.001193", 0); v.Number != 1 {
			t.Fatalf("a draft is served: version %d", v.Number)
		}
		if _, err := other.Published(ctx, "1.001193", 2); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a draft is served by number: %v", err)
		}
		if _, err := f.svc.Publish(ctx, operator, "1.001193"); err != nil {
			t.Fatal(err)
		}
		if v, err := other.Published(ctx, "1.001193", 0); err != nil || v.Number != 2 || v.Doc.NameVI != "Đăng ký khai sinh (sửa đổi)" || v.Doc.Cases[0].Time.Value != 2 {
			t.Fatalf("after publication, the other copy serves %d %q, %v", v.Number, v.Doc.NameVI, err)
		}
		if v, err := other.Published(ctx, "1.001193", 1); err != nil || v.Status != catalog.Superseded || v.Doc.NameVI != "Đăng ký khai sinh" {
			t.Fatalf("version 1 = %s %q, %v; want superseded", v.Status, v.Doc.NameVI, err)
		}

		// Withdrawn through the first copy: gone from the second at once,
		// its versions still readable by number with their new status.
		if err := f.svc.Withdraw(ctx, operator, "1.001193", "Bãi bỏ"); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Published(ctx, "1.001193", 0); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a withdrawn procedure is served: %v", err)
		}
		if v, err := other.Published(ctx, "1.001193", 2); err != nil || v.Status != catalog.Withdrawn {
			t.Fatalf("version 2 after withdrawal = %s, %v", v.Status, err)
		}
	})
}
