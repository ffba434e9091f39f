package catalog_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/demo"
	"github.com/motcua/motcua/internal/identity"
)

// qualifiers turn a real procedure into the many variants a province's
// catalogue really holds (foreign element, re-issue, change, extension…).
var qualifiers = []string{
	"", " có yếu tố nước ngoài", " (cấp lại)", " (điều chỉnh)", " trong trường hợp bị mất, hư hỏng", " cho người nước ngoài",
	" tại cơ quan đại diện", " (gia hạn)", " đối với tổ chức", " đối với hộ gia đình, cá nhân", " lưu động", " kết hợp",
	" cho người đã đăng ký thường trú", " khi thay đổi địa giới hành chính", " đối với trường hợp đặc biệt",
}

// generated builds n procedures from the demo catalogue: each real one
// repeated with qualifiers, fresh codes, and shuffled levels and online
// levels, so names, words and field sizes are those of a real catalogue.
func generated(t testing.TB, n int) catalog.Bundle {
	base, err := demo.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	out := catalog.Bundle{Format: catalog.Format, Fields: base.Fields}
	for i := range n {
		d := base.Procedures[i%len(base.Procedures)]
		d.Code = fmt.Sprintf("9.%06d", i+1)
		q := qualifiers[(i/len(base.Procedures))%len(qualifiers)]
		if k := i / (len(base.Procedures) * len(qualifiers)); k > 0 {
			q += fmt.Sprintf(" (mẫu %d)", k)
		}
		d.NameVI += q
		if d.OnlineLevel != catalog.OnlineNone {
			d.OnlineLevel = []string{catalog.OnlineFull, catalog.OnlinePartial}[r.IntN(2)]
		}
		out.Procedures = append(out.Procedures, d)
	}
	return out
}

// queries are what people type: words with and without diacritics, short
// prefixes, filters, and nonsense.
var queries = []catalog.Query{
	{Text: "khai sinh"}, {Text: "đăng ký kết hôn"}, {Text: "chung thuc ban sao"}, {Text: "giấy phép xây dựng"},
	{Text: "ho kinh doanh"}, {Text: "đất đai"}, {Text: "dang ky"}, {Text: "tro cap xa hoi"}, {Text: "KHAI TỬ"},
	{Text: "cấp lại"}, {Text: "doanh nghiệp tư nhân"}, {Text: "xác nhận tình trạng hôn nhân"}, {Text: "kh"},
	{Text: "khai sinh", Level: "commune"}, {Text: "dang ky", Online: "full", Page: 3}, {Field: "HOTICH"},
	{Agency: "H26.50", Page: 2}, {Text: "zzzz không có"}, {}, {Text: "chứng thực chữ ký người dịch", Applicant: "citizen"},
}

// BenchmarkSearch measures catalogue search over a generated catalogue of
// 2,000 procedures on both engines. Besides ns/op it reports the p50 and
// p99 latency of single searches and queries per second, one client.
//
//	go test -run - -bench Search -benchtime 2000x ./internal/catalog
func BenchmarkSearch(b *testing.B) {
	for _, e := range []dbtest.Engine{dbtest.SQLite, dbtest.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			svc := setupDemo(b, dbtest.Open(b, e))
			ctx := context.Background()
			bundle := generated(b, 2000)
			if _, err := svc.Import(ctx, operator, bundle, true); err != nil {
				b.Fatal(err)
			}
			if r, _ := svc.Search(ctx, catalog.Query{}); r.Total != 2000 {
				b.Fatalf("catalogue has %d procedures", r.Total)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				if _, err := svc.Search(ctx, queries[i%len(queries)]); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "queries/s")
		})
	}
}

// setupDemo builds the whole demo agency tree (the generated catalogue
// names its agencies) and returns the catalogue service.
func setupDemo(tb testing.TB, d *db.DB) *catalog.Service {
	tb.Helper()
	ctx := context.Background()
	log := audit.New(nil)
	ags := agency.NewService(d, log, nil)
	ids := identity.NewService(d, log, ags, identity.Config{Password: identity.PasswordParams{Memory: 64, Time: 1, Threads: 1}})
	units, err := agency.LoadAdminUnits()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := ags.LoadAdminUnitsIntoDB(ctx, units); err != nil {
		tb.Fatal(err)
	}
	if _, err := demo.Load(ctx, ags, ids); err != nil {
		tb.Fatal(err)
	}
	return catalog.NewService(d, log, ags, nil)
}
