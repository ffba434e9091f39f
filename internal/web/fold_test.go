package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/locale"
)

func messages(t *testing.T) *locale.Catalog {
	t.Helper()
	cat, err := locale.Load(calendar.VietnamLocation())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// The folded text of every message of both languages is what html/template
// writes for it in text, in a quoted attribute and in a title.
func TestHTMLEscapeAsTemplates(t *testing.T) {
	cat := messages(t)
	tpl := template.Must(template.New("").Parse(`{{.}}|<a title="{{.}}">|<title>{{.}}</title>`))
	samples := []string{`a & b`, `"quoted" 'single' <tag> 1+1`, "Thủ tục hành chính"}
	for _, l := range locale.Langs {
		for _, k := range cat.Keys(l) {
			samples = append(samples, cat.T(l, k))
		}
	}
	for _, s := range samples {
		var b bytes.Buffer
		if err := tpl.Execute(&b, s); err != nil {
			t.Fatal(err)
		}
		esc, ok := htmlEscape(s)
		if !ok {
			t.Errorf("%q: not folded", s)
			continue
		}
		if want := esc + `|<a title="` + esc + `">|<title>` + esc + `</title>`; b.String() != want {
			t.Errorf("%q: folded %q, html/template writes %q", s, want, b.String())
		}
	}
	if _, ok := htmlEscape("a\x00b"); ok {
		t.Error("a NUL is folded; html/template replaces it")
	}
}

// Every page renders the same with its words folded in as written, in both
// languages, for a visitor and for officials; with empty data many pages
// stop early, at the same place and with the same error both ways (the
// tests of internal/app render them all with data, VerifyTemplates on).
func TestFoldedPagesRenderAsWritten(t *testing.T) {
	cat := messages(t)
	ps, err := parsePages(cat, true)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(ps.plain))
	for n := range ps.plain {
		names = append(names, n)
	}
	slices.Sort(names)
	principals := []*authz.Principal{authz.AnonymousPrincipal,
		{Kind: authz.Official, ID: 1, Name: "Quản trị", Grants: []authz.Grant{{Role: authz.PlatformAdmin, AgencyPath: "/1/", Subtree: true}}},
		{Kind: authz.Citizen, ID: 2, Name: "Nguyễn Văn A", NationalID: "001090000001"}}
	folded := 0
	for _, l := range locale.Langs {
		for _, name := range names {
			for i, pr := range principals {
				page := func() *Page {
					return &Page{Lang: l, Title: "Tiêu đề", Path: "/x?y=1", P: pr, Flash: "ok", Problem: "sai",
						Form: url.Values{}, Errors: map[string]string{}, Data: map[string]any{}, cat: cat}
				}
				var got, want bytes.Buffer
				gotErr := ps.byLang[l][name].Execute(&got, page())
				wantErr := ps.plain[name].Execute(&want, page())
				if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Errorf("%s/%s/%d: error %v, as written %v", l, name, i, gotErr, wantErr)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("%s/%s/%d: %s", l, name, i, ps.verify(name, page(), got.Bytes()))
				}
				if gotErr == nil {
					folded++
				}
			}
		}
	}
	if folded == 0 {
		t.Error("no page rendered completely: the comparison proves little")
	}
	// The folding did fold: the layout's words are text in the tree.
	for _, tt := range ps.byLang[locale.VI]["home"].Templates() {
		if tt.Tree != nil && strings.Contains(tt.Tree.Root.String(), `.T "nav.skip"`) {
			t.Errorf("%s still calls .T for nav.skip", tt.Name())
		}
	}
	if !strings.Contains(ps.plain["home"].Lookup("layout.html").Tree.Root.String(), `.T "nav.skip"`) {
		t.Error("the layout as written does not say nav.skip: the check above proves nothing")
	}
}

// go test -run '^$' -bench BenchmarkRenderLookup ./internal/web
func BenchmarkRenderLookup(b *testing.B) {
	cat, err := locale.Load(calendar.VietnamLocation())
	if err != nil {
		b.Fatal(err)
	}
	ps, err := parsePages(cat, true)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		t    *template.Template
	}{{"folded", ps.byLang[locale.VI]["lookup"]}, {"as-written", ps.plain["lookup"]}} {
		b.Run(bc.name, func(b *testing.B) {
			p := &Page{Lang: locale.VI, Title: "Tra cứu", Path: "/lookup", P: authz.AnonymousPrincipal,
				Form: url.Values{"code": {"H26.12-260424-0001"}}, Errors: map[string]string{}, Data: map[string]any{}, cat: cat}
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := bc.t.Execute(&buf, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
