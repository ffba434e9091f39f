package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/locale"
	"github.com/motcua/motcua/internal/report"
)

// fakePublic answers with fixed figures and records what it was asked.
type fakePublic struct{ asked []report.Query }

func (f *fakePublic) Public(_ context.Context, q report.Query) (report.Result, error) {
	f.asked = append(f.asked, q)
	scope := []agency.Agency{{ID: 7, NameVI: "Sở Tư pháp", NameEN: "Department of Justice"}, {ID: 9, NameVI: "UBND Phường Ba Đình"}}
	res := report.Result{Query: q, Scope: scope}
	if q.Period.Name == "2026-Q2" { // the current quarter on the fixed clock
		res.Rows = []report.Row{{Key: "7", Figures: report.Figures{Resolved: 8, Early: 3, OnTime: 3, Late: 2, Received: 10,
			ReceivedOnline: 4, RatedSatisfied: 1, RatedUnsatisfied: 1}}}
	}
	return res, nil
}

// The transparency page is public (no principal at all), shows only
// rates per agency for the current and previous ND 09/2019 quarter, and
// says so plainly when the figures are not available yet.
func TestTransparencyPage(t *testing.T) {
	cat, err := locale.Load(time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	// 20 March 2026 is in the quarter 15/03–14/06 (2026-Q2 of ND 09/2019).
	now := func() time.Time { return time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC) }
	fake := &fakePublic{}
	for _, tt := range []struct {
		name   string
		public PublicStats
		lang   string
		status int
		want   []string
		not    []string
	}{
		{"vietnamese", fake, "", 200, []string{"Công khai kết quả", "Sở Tư pháp", "75,0 %", "40,0 %", "50,0 %", "2026-Q2", "2026-Q1", "15/03/2026", "14/06/2026", "8 hồ sơ đã giải quyết"},
			[]string{"UBND Phường Ba Đình"}},
		{"english", fake, "en", 200, []string{"Department of Justice", "75.0 %", "Previous quarter"}, nil},
		{"not ready", nil, "", 503, []string{"đang được chuẩn bị"}, []string{"Sở Tư pháp"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Config{Locale: cat, Public: tt.public, Now: now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			s.Register(mux)
			req := httptest.NewRequest("GET", "/transparency", nil)
			if tt.lang != "" {
				req.AddCookie(&http.Cookie{Name: "lang", Value: tt.lang})
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d:\n%s", rec.Code, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(body, w) {
					t.Errorf("the page shows %q", w)
				}
			}
		})
	}
	if len(fake.asked) != 4 || fake.asked[0].Period.Name != "2026-Q2" || fake.asked[1].Period.Name != "2026-Q1" ||
		fake.asked[0].Group != report.ByAgency || fake.asked[0].Agency != "" || fake.asked[0].Officer != 0 {
		t.Errorf("asked %+v", fake.asked)
	}
}
