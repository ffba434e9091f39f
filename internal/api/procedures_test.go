package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/demo"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/locale"
)

// ---------------------------------------------------------------------------
// Catalogue fixtures. Codes 9.xxxxxx are made up for the tests.

// birthRegistration is the documented example, đăng ký khai sinh
// (1.001193), as the catalogue's template has it, carried out by agency.
func birthRegistration(agency string) catalog.Document {
	d := catalog.ExampleBundle().Procedures[0]
	d.Agencies = []string{agency}
	return d
}

// judicialRecord is a procedure of a Department of Justice: issuing a
// judicial record certificate (Luật Lý lịch tư pháp 2009: 10 days, a fee of
// 200,000 đồng), under code, in field, carried out by agencies.
func judicialRecord(code, field string, agencies ...string) catalog.Document {
	return catalog.Document{
		Code:        code,
		NameVI:      "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
		NameEN:      "Issuance of a judicial record certificate",
		Field:       field,
		Levels:      []string{"province"},
		AgencyText:  "Sở Tư pháp",
		Agencies:    agencies,
		Applicants:  []string{catalog.ApplicantCitizen},
		OnlineLevel: catalog.OnlinePartial,
		Steps:       "Người yêu cầu nộp tờ khai và giấy tờ tại Sở Tư pháp, qua bưu chính hoặc trực tuyến; Sở Tư pháp tra cứu, xác minh thông tin và cấp Phiếu lý lịch tư pháp.",
		Results:     []catalog.Result{{NameVI: "Phiếu lý lịch tư pháp", NameEN: "Judicial record certificate", Kind: "certificate"}},
		LegalBasis:  []catalog.Legal{{Number: "28/2009/QH12", Title: "Luật Lý lịch tư pháp", Date: "2009-06-17"}},
		Cases: []catalog.Case{{
			Code: "TH1", NameVI: "Cấp Phiếu lý lịch tư pháp số 1", Time: catalog.Duration{Value: 10, Unit: catalog.WorkingDays},
			Channels: []string{"counter", "post", "online"},
			Fees: []catalog.Fee{{Kind: "fee", NameVI: "Phí cung cấp thông tin lý lịch tư pháp", AmountVND: 200000,
				Rule: "mỗi lần yêu cầu", PayableOnline: true}},
			Components: []catalog.Component{
				{Code: "TP1", NameVI: "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", Required: true, Originals: 1, Template: "form"},
				{Code: "TP2", NameVI: "Giấy tờ tùy thân của người yêu cầu", Required: true, Copies: 1, Source: "national_db"},
			},
			Form: []catalog.FormField{
				{Name: "full_name", LabelVI: "Họ và tên", Type: "text", Required: true, Prefill: "applicant.full_name"},
				{Name: "national_id", LabelVI: "Số định danh cá nhân", Type: "national_id", Required: true, Pattern: "[0-9]{12}",
					Prefill: "applicant.national_id"},
			},
			Process: []catalog.Step{
				{NameVI: "Tiếp nhận hồ sơ", Role: "reception-officer", Duration: catalog.Duration{Value: 4, Unit: catalog.WorkingHours}},
				{NameVI: "Tra cứu, xác minh", Role: "specialist", Duration: catalog.Duration{Value: 7, Unit: catalog.WorkingDays}},
				{NameVI: "Ký Phiếu lý lịch tư pháp", Role: "leader", Duration: catalog.Duration{Value: 1, Unit: catalog.WorkingDays}},
				{NameVI: "Trả kết quả", Role: "reception-officer", Duration: catalog.Duration{Value: 4, Unit: catalog.WorkingHours}},
			},
		}},
	}
}

// fixtureCatalog is what newEnv publishes: the documented example
// (1.001193) at the ward H26.107, and a procedure of the Department of
// Justice (H26.12, which nguyenvana administers) received at the city's
// service centre H26.03.
func fixtureCatalog() catalog.Bundle {
	b := catalog.ExampleBundle()
	b.Fields = append(b.Fields, catalog.Field{Code: "LLTP", NameVI: "Lý lịch tư pháp", NameEN: "Judicial records"})
	b.Procedures[0].Agencies = []string{"H26.107"}
	jr := judicialRecord("9.000001", "LLTP", "H26.12")
	jr.Receivers = []string{"H26.03"}
	b.Procedures = append(b.Procedures, jr)
	return b
}

// ---------------------------------------------------------------------------
// Helpers.

// equateEmpty: the catalogue stores absent lists as empty ones.
var equateEmpty = cmpopts.EquateEmpty()

func (e *env) searchProcedures(t *testing.T, query string, headers ...string) api.ProcedureList {
	t.Helper()
	res := e.get(t, "/api/v1/procedures?"+query, headers...)
	if res.status != http.StatusOK {
		t.Fatalf("GET procedures?%.80s: %d %.300s", query, res.status, res.body)
	}
	var l api.ProcedureList
	res.decode(t, &l)
	if l.Items == nil {
		t.Errorf("procedures?%.80s: items is null, want an array", query)
	}
	return l
}

func procedureCodes(items []api.ProcedureSummary) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Code)
	}
	return out
}

// allCodes returns the codes of every result of a search, page by page.
func (e *env) allCodes(t *testing.T, query string) []string {
	t.Helper()
	var out []string
	for page := 1; ; page++ {
		l := e.searchProcedures(t, query+"&per_page=100&page="+strconv.Itoa(page))
		out = append(out, procedureCodes(l.Items)...)
		if page >= l.Pages {
			if len(out) != l.Total {
				t.Errorf("%s: %d results over %d pages, total %d", query, len(out), l.Pages, l.Total)
			}
			return out
		}
	}
}

// procedure fetches a procedure (version 0: the current one); the
// Procedure is decoded when the status is 200.
func (e *env) procedure(t *testing.T, code string, version int) (api.Procedure, response) {
	t.Helper()
	target := "/api/v1/procedures/" + url.PathEscape(code)
	if version != 0 {
		target += "?version=" + strconv.Itoa(version)
	}
	res := e.get(t, target)
	var p api.Procedure
	if res.status == http.StatusOK {
		res.decode(t, &p)
	}
	return p, res
}

// mustProcedure fetches a procedure that must be there.
func (e *env) mustProcedure(t *testing.T, code string, version int) api.Procedure {
	t.Helper()
	p, res := e.procedure(t, code, version)
	if res.status != http.StatusOK {
		t.Fatalf("GET procedure %s version %d: %d %s", code, version, res.status, res.body)
	}
	return p
}

// errorOf decodes an error response.
func errorOf(t *testing.T, res response) api.ErrorBody {
	t.Helper()
	var e api.Error
	res.decode(t, &e)
	return e.Error
}

// wantError checks a response's status and error kind.
func wantError(t *testing.T, what string, res response, status int, kind string) api.ErrorBody {
	t.Helper()
	if res.status != status {
		t.Errorf("%s: status %d, want %d: %.500s", what, res.status, status, res.body)
		return api.ErrorBody{}
	}
	got := errorOf(t, res)
	if got.Code != kind {
		t.Errorf("%s: error code %q, want %q", what, got.Code, kind)
	}
	return got
}

// lockOf returns the lock version an editor must send to change a
// procedure, as the administration pages learn it.
func (e *env) lockOf(t *testing.T, code string) int {
	t.Helper()
	_, lock, err := e.catalog.Edit(context.Background(), operator, code)
	if err != nil {
		t.Fatalf("Edit(%s): %v", code, err)
	}
	return lock
}

// stored reports whether the catalogue has the procedure at all, draft or
// published (what an import that failed must not have left behind).
func (e *env) stored(t *testing.T, code string) bool {
	t.Helper()
	_, err := e.catalog.AdminView(context.Background(), operator, code)
	switch {
	case err == nil:
		return true
	case errs.Is(err, errs.NotFound):
		return false
	}
	t.Fatalf("AdminView(%s): %v", code, err)
	return false
}

func (e *env) fields(t *testing.T) []api.FieldEntry {
	t.Helper()
	res := e.get(t, "/api/v1/fields")
	if res.status != http.StatusOK {
		t.Fatalf("GET fields: %d %s", res.status, res.body)
	}
	var l api.FieldList
	res.decode(t, &l)
	return l.Items
}

func (e *env) export(t *testing.T) catalog.Bundle {
	t.Helper()
	res := e.get(t, "/api/v1/catalog/export")
	if res.status != http.StatusOK {
		t.Fatalf("GET export: %d %s", res.status, res.body)
	}
	var b catalog.Bundle
	res.decode(t, &b)
	return b
}

func byCode(docs []catalog.Document) map[string]catalog.Document {
	out := map[string]catalog.Document{}
	for _, d := range docs {
		out[d.Code] = d
	}
	return out
}

func demoDoc(t *testing.T, code string) catalog.Document {
	t.Helper()
	b, err := demo.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	d, ok := byCode(b.Procedures)[code]
	if !ok {
		t.Fatalf("no %s in the demo catalogue", code)
	}
	return d
}

func workbook(t *testing.T, b catalog.Bundle) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := catalog.WriteXLSX(&buf, b); err != nil {
		t.Fatalf("WriteXLSX: %v", err)
	}
	return buf.Bytes()
}

// ---------------------------------------------------------------------------
// The catalogue API on the demonstration data set.

// TestCatalogAPI exercises the catalogue endpoints over HTTP on both
// engines, against the demo catalogue of 31 real procedures imported
// through the API. The reading tests come first; the writing ones change
// the catalogue in the order they run.
func TestCatalogAPI(t *testing.T) {
	want, err := demo.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newDemoEnv(t, d)
		t.Run("export is what was imported", func(t *testing.T) { e.testExportIsImport(t, want) })
		t.Run("fields", func(t *testing.T) { e.testFields(t, want) })
		t.Run("search", e.testSearch)
		t.Run("search filters", func(t *testing.T) { e.testSearchFilters(t, want) })
		t.Run("search paging", e.testSearchPaging)
		t.Run("search hostile input", e.testSearchHostile)
		t.Run("search parameters", e.testSearchParameters)

		t.Run("authorisation", e.testCatalogAuthorization)
		t.Run("no taking over another agency's procedure", e.testNoTakeOver)
		t.Run("draft problems keyed by body path", e.testDraftProblems)
		t.Run("write cycle", e.testWriteCycle)
		t.Run("versions", e.testVersions)
		t.Run("publish checks the draft again", e.testPublishRechecks)
		t.Run("import all or nothing", e.testImportAllOrNothing)
		t.Run("import workbook", e.testImportWorkbook)
		t.Run("export is what is published", e.testExportIsPublished)
	})
}

func (e *env) testExportIsImport(t *testing.T, want catalog.Bundle) {
	got := e.export(t)
	if got.Format != catalog.Format {
		t.Errorf("format %q", got.Format)
	}
	sortFields := cmpopts.SortSlices(func(a, b catalog.Field) bool { return a.Code < b.Code })
	if diff := cmp.Diff(want.Fields, got.Fields, sortFields); diff != "" {
		t.Errorf("fields (-imported +exported):\n%s", diff)
	}
	codes := func(ds []catalog.Document) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Code)
		}
		return out
	}
	if !slices.IsSorted(codes(got.Procedures)) {
		t.Errorf("procedures not in code order: %v", codes(got.Procedures))
	}
	sortDocs := cmpopts.SortSlices(func(a, b catalog.Document) bool { return a.Code < b.Code })
	if diff := cmp.Diff(want.Procedures, got.Procedures, sortDocs, equateEmpty); diff != "" {
		t.Errorf("procedures (-imported +exported):\n%s", diff)
	}
	// Anyone may export: it is what citizens see.
	if res := e.get(t, "/api/v1/catalog/export", e.as("admin")...); res.status != http.StatusOK {
		t.Errorf("export as an administrator: %d", res.status)
	}
}

func (e *env) testFields(t *testing.T, want catalog.Bundle) {
	count := map[string]int{}
	for _, d := range want.Procedures {
		count[d.Field]++
	}
	names := map[string]catalog.Field{}
	for _, f := range want.Fields {
		names[f.Code] = f
	}
	// In the order of their names without diacritics: Bảo trợ xã hội,
	// Chứng thực, Đất đai, Hộ tịch, Hoạt động xây dựng, Thành lập và hoạt
	// động của hộ kinh doanh, … doanh nghiệp.
	var wantList []api.FieldEntry
	for _, code := range []string{"BTXH", "CHUNGTHUC", "DATDAI", "HOTICH", "XAYDUNG", "HKD", "DOANHNGHIEP"} {
		f := names[code]
		wantList = append(wantList, api.FieldEntry{Code: code, NameVI: f.NameVI, NameEN: f.NameEN, Procedures: count[code]})
	}
	if diff := cmp.Diff(wantList, e.fields(t)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if count["HOTICH"] != 10 || count["CHUNGTHUC"] != 7 {
		t.Errorf("the demo catalogue changed (%v): check this test", count)
	}
}

func (e *env) testSearch(t *testing.T) {
	tests := []struct {
		q     string
		first string
	}{
		{"khai sinh", "1.001193"},
		{"KHAI SINH", "1.001193"},
		{"khai sin", "1.001193"},
		{"Khai Sinh", "1.001193"},
		{"  khai   sinh  ", "1.001193"},
		{"đăng ký khai sinh", "1.001193"},
		{"ĐĂNG KÝ KHAI SINH", "1.001193"},
		{"dang ky khai sinh", "1.001193"},
		{"thủ tục đăng ký khai sinh", "1.001193"},
		{"khai tử", "1.000656"},
		{"khai tu", "1.000656"},
		{"kết hôn", "1.000894"},
		{"giay phep xay dung", "1.013225"},
		{"chứng thực chữ ký người dịch", "2.000992"},
	}
	for _, tt := range tests {
		l := e.searchProcedures(t, "q="+url.QueryEscape(tt.q))
		if len(l.Items) == 0 || l.Items[0].Code != tt.first {
			t.Errorf("q=%q: %v first, want %s", tt.q, procedureCodes(l.Items), tt.first)
		}
	}
	// The procedures named for birth registration come first, the
	// shortest name first; then those that only mention it.
	l := e.searchProcedures(t, "q=khai+sinh")
	if len(l.Items) < 4 {
		t.Fatalf("q=khai sinh: %v", procedureCodes(l.Items))
	}
	named := procedureCodes(l.Items[:4])
	slices.Sort(named)
	if want := []string{"1.000689", "1.001193", "1.004884", "2.000635"}; !slices.Equal(named, want) {
		t.Errorf("q=khai sinh: first four %v, want the four named for it %v", procedureCodes(l.Items[:4]), want)
	}
	if l.Items[1].Code != "1.004884" {
		t.Errorf("q=khai sinh: second %s, want 1.004884 (Thủ tục đăng ký lại khai sinh)", l.Items[1].Code)
	}
	wantFirst := api.ProcedureSummary{Code: "1.001193", NameVI: "Thủ tục đăng ký khai sinh", NameEN: demoDoc(t, "1.001193").NameEN,
		Field: "HOTICH", OnlineLevel: "full", Version: 1}
	if diff := cmp.Diff(wantFirst, l.Items[0]); diff != "" {
		t.Errorf("q=khai sinh: first (-want +got):\n%s", diff)
	}
	if l.Total != len(l.Items) || l.Page != 1 || l.PerPage != 20 || l.Pages != 1 {
		t.Errorf("q=khai sinh: total %d, page %d, per_page %d, pages %d for %d items", l.Total, l.Page, l.PerPage, l.Pages, len(l.Items))
	}
	// Words must all match: a word nothing has finds nothing.
	if l := e.searchProcedures(t, "q=khai+sinh+xyzzy"); l.Total != 0 || len(l.Items) != 0 || l.Pages != 0 {
		t.Errorf("q=khai sinh xyzzy: %+v, want nothing", l)
	}
}

func (e *env) testSearchFilters(t *testing.T, want catalog.Bundle) {
	khaiSinh := e.allCodes(t, "q=khai+sinh")
	tests := []struct {
		query string
		keep  func(d catalog.Document) bool
	}{
		{"field=HOTICH", func(d catalog.Document) bool { return d.Field == "HOTICH" }},
		{"level=province", func(d catalog.Document) bool { return slices.Contains(d.Levels, "province") }},
		{"level=commune", func(d catalog.Document) bool { return slices.Contains(d.Levels, "commune") }},
		{"agency=H26.15", func(d catalog.Document) bool { return slices.Contains(d.Agencies, "H26.15") }},
		// Receiving agencies count too.
		{"agency=H26.01", func(d catalog.Document) bool {
			return slices.Contains(d.Agencies, "H26.01") || slices.Contains(d.Receivers, "H26.01")
		}},
		{"agency=H26.50.01", func(d catalog.Document) bool { return slices.Contains(d.Receivers, "H26.50.01") }},
		{"applicant=business", func(d catalog.Document) bool { return slices.Contains(d.Applicants, "business") }},
		{"online=none", func(d catalog.Document) bool { return d.OnlineLevel == "none" }},
		{"field=HOTICH&online=full", func(d catalog.Document) bool { return d.Field == "HOTICH" && d.OnlineLevel == "full" }},
		{"level=commune&applicant=other_org&online=partial", func(d catalog.Document) bool {
			return slices.Contains(d.Levels, "commune") && slices.Contains(d.Applicants, "other_org") && d.OnlineLevel == "partial"
		}},
		{"q=khai+sinh&online=full", func(d catalog.Document) bool { return slices.Contains(khaiSinh, d.Code) && d.OnlineLevel == "full" }},
		{"q=khai+sinh&field=CHUNGTHUC", func(d catalog.Document) bool { return slices.Contains(khaiSinh, d.Code) && d.Field == "CHUNGTHUC" }},
		{"level=district", func(d catalog.Document) bool { return false }},
		{"field=NOPE", func(d catalog.Document) bool { return false }},
		{"agency=H29", func(d catalog.Document) bool { return false }},
	}
	for _, tt := range tests {
		var wantCodes []string
		for _, d := range want.Procedures {
			if tt.keep(d) {
				wantCodes = append(wantCodes, d.Code)
			}
		}
		got := e.allCodes(t, tt.query)
		slices.Sort(got)
		slices.Sort(wantCodes)
		if diff := cmp.Diff(wantCodes, got, equateEmpty); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.query, diff)
		}
	}
	if got := e.allCodes(t, "q=khai+sinh&online=full"); !slices.Contains(got, "1.001193") || len(got) < 2 {
		t.Errorf("q=khai sinh&online=full: %v, want 1.001193 and 2.000635 at least", got)
	}
}

func (e *env) testSearchPaging(t *testing.T) {
	all := e.searchProcedures(t, "")
	if all.Total != 31 || len(all.Items) != 20 || all.Page != 1 || all.PerPage != 20 || all.Pages != 2 {
		t.Errorf("no query: total %d, %d items, page %d, per_page %d, pages %d; want 31, 20, 1, 20, 2",
			all.Total, len(all.Items), all.Page, all.PerPage, all.Pages)
	}
	whole := procedureCodes(e.searchProcedures(t, "per_page=100").Items)
	var paged []string
	for page := 1; page <= 7; page++ {
		l := e.searchProcedures(t, "per_page=5&page="+strconv.Itoa(page))
		if l.Total != 31 || l.Pages != 7 || l.Page != page || l.PerPage != 5 {
			t.Errorf("page %d of 5: total %d, pages %d, page %d, per_page %d", page, l.Total, l.Pages, l.Page, l.PerPage)
		}
		if wantN := min(5, 31-(page-1)*5); len(l.Items) != wantN {
			t.Errorf("page %d of 5: %d items, want %d", page, len(l.Items), wantN)
		}
		paged = append(paged, procedureCodes(l.Items)...)
	}
	if diff := cmp.Diff(whole, paged); diff != "" {
		t.Errorf("pages of 5 differ from one page of 100 (-one +pages):\n%s", diff)
	}
	if l := e.searchProcedures(t, "per_page=5&page=8"); len(l.Items) != 0 || l.Total != 31 || l.Pages != 7 || l.Page != 8 {
		t.Errorf("page 8 of 7: %+v", l)
	}
	if l := e.searchProcedures(t, "q=khai+sinh&per_page=1&page=2"); len(l.Items) != 1 || l.Items[0].Code != "1.004884" || l.Pages != l.Total {
		t.Errorf("q=khai sinh, second of one per page: %+v", l)
	}
}

func (e *env) testSearchHostile(t *testing.T) {
	inputs := []string{
		`"`, `"khai sinh"`, `*`, `OR`, `khai OR sinh`, `khai" OR "1"="1`, `'; DROP TABLE procedures; --`, `' OR '1'='1`,
		`%`, `_`, `\`, `khai*`, `NEAR(khai sinh)`, `{"$gt": ""}`, "\x00", "\xff\xfe", "khai\u0300sinh", `<script>alert(1)</script>`,
		strings.Repeat("a", 1000), strings.Repeat("đ", 1000), strings.Repeat("khai sinh ", 100), "",
	}
	for _, q := range inputs {
		for _, param := range []string{"q", "field", "agency", "level", "applicant", "online"} {
			query := param + "=" + url.QueryEscape(q)
			res := e.get(t, "/api/v1/procedures?"+query)
			if res.status != http.StatusOK || !res.isJSON() {
				t.Errorf("%.60s: status %d, Content-Type %q: %.200s", query, res.status, res.header.Get("Content-Type"), res.body)
				continue
			}
			var l api.ProcedureList
			res.decode(t, &l)
			if l.Items == nil || l.Total < len(l.Items) || len(l.Items) > 20 {
				t.Errorf("%.60s: %d items of %d", query, len(l.Items), l.Total)
			}
		}
	}
	// 1,000 characters of a real query still find it.
	if l := e.searchProcedures(t, "q="+url.QueryEscape(strings.Repeat("khai sinh ", 100))); len(l.Items) == 0 || l.Items[0].Code != "1.001193" {
		t.Errorf("khai sinh × 100: %v", procedureCodes(l.Items))
	}
	if l := e.searchProcedures(t, ""); l.Total != 31 {
		t.Errorf("after hostile input there are %d procedures, want 31", l.Total)
	}
	e.mustProcedure(t, "1.001193", 0)
}

func (e *env) testSearchParameters(t *testing.T) {
	tests := []struct {
		query, field string
		max          int
	}{
		{"page=0", "page", 100000},
		{"page=-1", "page", 100000},
		{"page=abc", "page", 100000},
		{"page=1.5", "page", 100000},
		{"page=100001", "page", 100000},
		{"per_page=0", "per_page", 100},
		{"per_page=101", "per_page", 100},
		{"per_page=1000", "per_page", 100},
		{"per_page=x&q=khai+sinh", "per_page", 100},
	}
	for _, tt := range tests {
		for _, lang := range []locale.Lang{locale.VI, locale.EN} {
			res := e.get(t, "/api/v1/procedures?"+tt.query, "Accept-Language", string(lang))
			got := wantError(t, tt.query, res, http.StatusUnprocessableEntity, "invalid")
			want := map[string]string{tt.field: e.cat.T(lang, "api.int_range", tt.max)}
			if diff := cmp.Diff(want, got.Fields); res.status == 422 && diff != "" {
				t.Errorf("%s %s: fields (-want +got):\n%s", tt.query, lang, diff)
			}
		}
	}
	for _, q := range []string{"page=1", "page=100000", "per_page=1", "per_page=100", "page=+2", "per_page=%2020"} {
		if res := e.get(t, "/api/v1/procedures?"+q); res.status != http.StatusOK {
			t.Errorf("%s: status %d, want 200", q, res.status)
		}
	}
}

// testCatalogAuthorization: catalogue writes need ManageCatalog (platform
// or agency administrators) over every agency that carries the procedure
// out. 1.000894 (đăng ký kết hôn) is carried out by five wards and
// communes; nobody below tries to change it successfully.
func (e *env) testCatalogAuthorization(t *testing.T) {
	const code = "1.000894"
	before := e.mustProcedure(t, code, 0)
	lock := e.lockOf(t, code)
	draft := api.DraftRequest{Lock: lock, Document: before.Document}
	bundle := catalog.Bundle{Format: catalog.Format, Fields: []catalog.Field{}, Procedures: []catalog.Document{before.Document}}
	type write struct {
		name, method, target string
		body                 any
	}
	writes := []write{
		{"draft", http.MethodPut, "/api/v1/procedures/" + code + "/draft", draft},
		{"publish", http.MethodPost, "/api/v1/procedures/" + code + "/publish", nil},
		{"withdraw", http.MethodPost, "/api/v1/procedures/" + code + "/withdraw", api.WithdrawRequest{Reason: "Bãi bỏ"}},
		{"import", http.MethodPost, "/api/v1/catalog/import?publish=true", bundle},
	}
	callers := []struct {
		name    string
		headers []string
		want    map[string]int // by write; absent: 403
	}{
		{"anonymous", nil, map[string]int{"draft": 401, "publish": 401, "withdraw": 401, "import": 401}},
		{"bad token", bearer("mct_forged"), map[string]int{"draft": 401, "publish": 401, "withdraw": 401, "import": 401}},
		{"citizen", cookie(e.citizenSession), nil},
		{"reception officer", e.as("motcua.tiepnhan"), nil},
		{"specialist", e.as("tuphap.chuyenvien"), nil},
		{"leader", e.as("tuphap.lanhdao"), nil},
		{"ward reception officer", e.as("badinh.tiepnhan"), nil},
		// An agency administrator elsewhere, and one of the five: neither
		// administers all of them, and both are refused before anything about
		// the procedure (such as whether it has a draft) is revealed.
		{"agency administrator elsewhere", e.as("tuphap.quantri"), map[string]int{"publish": 403}},
		{"administrator of one of the agencies", e.as("badinh.lanhdao"), map[string]int{"publish": 403}},
	}
	for _, c := range callers {
		for _, w := range writes {
			want, ok := c.want[w.name]
			if !ok {
				want = http.StatusForbidden
			}
			res := e.send(t, w.method, w.target, w.body, c.headers...)
			kind := map[int]string{401: "unauthenticated", 403: "forbidden", 409: "conflict"}[want]
			wantError(t, c.name+" "+w.name, res, want, kind)
			if want == http.StatusUnauthorized && res.header.Get("WWW-Authenticate") != `Bearer realm="motcua"` {
				t.Errorf("%s %s: WWW-Authenticate %q", c.name, w.name, res.header.Get("WWW-Authenticate"))
			}
		}
	}
	// Nothing changed.
	if after := e.mustProcedure(t, code, 0); !cmp.Equal(before, after, equateEmpty) {
		t.Errorf("%s changed:\n%s", code, cmp.Diff(before, after, equateEmpty))
	}
	if got := e.lockOf(t, code); got != lock {
		t.Errorf("%s: lock %d, was %d: something was written", code, got, lock)
	}
	if _, res := e.procedure(t, code, 2); res.status != http.StatusNotFound {
		t.Errorf("%s has a version 2: %d", code, res.status)
	}
}

// testNoTakeOver: changing a procedure needs rights over every agency that
// carries it out now, not only over those the new content names: the
// administrator of one ward (or of a department) must not be able to
// rewrite a procedure of five wards as its own, by a draft or by an
// import.
func (e *env) testNoTakeOver(t *testing.T) {
	tests := []struct {
		name, code, as string
		agencies       []string
	}{
		{"ward administrator keeps only its ward", "1.000656", "badinh.lanhdao", []string{"H26.50"}},
		{"department administrator takes a ward procedure", "1.004837", "tuphap.quantri", []string{"H26.12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.mustProcedure(t, tt.code, 0)
			doc := before.Document
			doc.Agencies, doc.Receivers = tt.agencies, nil
			res := e.send(t, http.MethodPut, "/api/v1/procedures/"+tt.code+"/draft", api.DraftRequest{Lock: e.lockOf(t, tt.code), Document: doc}, e.as(tt.as)...)
			if res.status != http.StatusForbidden {
				t.Errorf("%s drafting %s with agencies %v (it carries out %v): status %d, want 403",
					tt.as, tt.code, tt.agencies, before.Document.Agencies, res.status)
			}
			res = e.send(t, http.MethodPost, "/api/v1/procedures/"+tt.code+"/publish", nil, e.as(tt.as)...)
			if res.status == http.StatusOK {
				t.Errorf("%s published its own version of %s", tt.as, tt.code)
			}
			if after := e.mustProcedure(t, tt.code, 0); !slices.Equal(after.Document.Agencies, before.Document.Agencies) {
				t.Errorf("%s is now carried out by %v, was %v", tt.code, after.Document.Agencies, before.Document.Agencies)
			}
		})
	}
	t.Run("by import", func(t *testing.T) {
		const code = "1.001022"
		before := e.mustProcedure(t, code, 0)
		doc := before.Document
		doc.Agencies, doc.Receivers = []string{"H26.50"}, nil
		b := catalog.Bundle{Format: catalog.Format, Fields: []catalog.Field{}, Procedures: []catalog.Document{doc}}
		res := e.send(t, http.MethodPost, "/api/v1/catalog/import?publish=true", b, e.as("badinh.lanhdao")...)
		if res.status != http.StatusForbidden {
			t.Errorf("badinh.lanhdao importing %s for H26.50 alone (it is carried out by %v): status %d, want 403: %s",
				code, before.Document.Agencies, res.status, res.body)
		}
		if after := e.mustProcedure(t, code, 0); !slices.Equal(after.Document.Agencies, before.Document.Agencies) {
			t.Errorf("%s is now carried out by %v, was %v", code, after.Document.Agencies, before.Document.Agencies)
		}
	})
}

// testDraftProblems: a 422 from PUT …/draft names the problem by its path
// in the request body, as the code check does ("document.code") and as an
// import does ("procedures[1].cases[0]…"), so that a client can find it.
func (e *env) testDraftProblems(t *testing.T) {
	const code = "9.000002"
	doc := func(mutate func(d *catalog.Document)) catalog.Document {
		d := judicialRecord(code, "HOTICH", "H26.12")
		mutate(&d)
		return d
	}
	tests := []struct {
		name   string
		target string
		body   any
		want   map[string]string // field → message key
	}{
		{"negative fee", code, api.DraftRequest{Document: doc(negativeFee)},
			map[string]string{"document.cases[0].fees[0].amount_vnd": "catalog.fee.negative"}},
		{"no name", code, api.DraftRequest{Document: doc(func(d *catalog.Document) { d.NameVI = " " })},
			map[string]string{"document.name_vi": "field.required"}},
		{"no case", code, api.DraftRequest{Document: doc(func(d *catalog.Document) { d.Cases = nil })},
			map[string]string{"document.cases": "catalog.cases.none"}},
		{"bad code in the path", "abc", api.DraftRequest{Document: doc(func(d *catalog.Document) { d.Code = "" })},
			map[string]string{"document.code": "catalog.code.invalid"}},
		{"code differs from the path", "9.000003", api.DraftRequest{Document: doc(func(d *catalog.Document) {})},
			map[string]string{"document.code": "api.code_mismatch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.send(t, http.MethodPut, "/api/v1/procedures/"+tt.target+"/draft", tt.body, e.as("tuphap.quantri")...)
			got := wantError(t, tt.name, res, http.StatusUnprocessableEntity, "invalid")
			want := map[string]string{}
			for f, key := range tt.want {
				want[f] = e.cat.T(locale.VI, key)
			}
			if diff := cmp.Diff(want, got.Fields); res.status == 422 && diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
	for name, body := range map[string][]byte{
		"not JSON":         []byte(`{"lock": 0, "document": `),
		"unknown property": []byte(`{"lock": 0, "document": {"code": "9.000002"}, "comment": "x"}`),
		"two values":       []byte(`{"lock": 0} {"lock": 1}`),
	} {
		res := e.send(t, http.MethodPut, "/api/v1/procedures/"+code+"/draft", body,
			append(e.as("tuphap.quantri"), "Content-Type", "application/json")...)
		got := wantError(t, name, res, http.StatusUnprocessableEntity, "invalid")
		if _, ok := got.Fields["body"]; res.status == 422 && (!ok || len(got.Fields) != 1) {
			t.Errorf("%s: fields %v, want only \"body\": the body was not refused as a whole (the handler read the first JSON value "+
				"and ignored what follows)", name, mapKeys(got.Fields))
		}
	}
	if e.stored(t, code) {
		t.Errorf("%s was stored by a refused draft", code)
	}
}

// testWriteCycle: the Department of Justice's administrator drafts a new
// procedure, publishes it, changes it into a second version, and
// withdraws it; the platform administrator first adds its field.
func (e *env) testWriteCycle(t *testing.T) {
	const code = "9.000001"
	admin := e.as("tuphap.quantri")
	res := e.send(t, http.MethodPost, "/api/v1/catalog/import", catalog.Bundle{Format: catalog.Format,
		Fields: []catalog.Field{{Code: "LLTP", NameVI: "Lý lịch tư pháp", NameEN: "Judicial records"}}, Procedures: []catalog.Document{}}, e.as("admin")...)
	var ir api.ImportResult
	if res.status != http.StatusOK {
		t.Fatalf("importing the field: %d %s", res.status, res.body)
	}
	if res.decode(t, &ir); ir != (api.ImportResult{Fields: 1}) {
		t.Errorf("importing the field: %+v", ir)
	}
	lltp := func() *api.FieldEntry {
		for _, f := range e.fields(t) {
			if f.Code == "LLTP" {
				return &f
			}
		}
		return nil
	}
	if f := lltp(); f == nil || f.Procedures != 0 {
		t.Fatalf("field LLTP: %+v", f)
	}
	search := func() []api.ProcedureSummary {
		return e.searchProcedures(t, "q="+url.QueryEscape("phiếu lý lịch tư pháp")).Items
	}
	v1 := judicialRecord(code, "LLTP", "H26.12")

	// A new draft: not public.
	res = e.send(t, http.MethodPut, "/api/v1/procedures/"+code+"/draft", api.DraftRequest{Lock: 0, Document: v1}, admin...)
	if res.status != http.StatusOK {
		t.Fatalf("new draft: %d %s", res.status, res.body)
	}
	var p api.Procedure
	res.decode(t, &p)
	if p.Lock == nil || *p.Lock < 1 {
		t.Errorf("the answer to a draft carries no lock: %s", res.body)
	}
	if diff := cmp.Diff(api.Procedure{Code: code, Version: 1, Status: "draft", Document: v1, Lock: p.Lock}, p, equateEmpty); diff != "" {
		t.Errorf("new draft (-want +got):\n%s", diff)
	}
	if !bytes.Contains(res.body, []byte(`"published_at":null`)) {
		t.Errorf("a draft's published_at is not null: %s", res.body)
	}
	// The next PUT needs the procedure's lock: the API must say what it is.
	var raw map[string]any
	json.Unmarshal(res.body, &raw)
	if _, ok := raw["lock"]; !ok && res.header.Get("ETag") == "" {
		t.Errorf("PUT …/draft answers neither the procedure's lock (now %d) nor an ETag, and no other response has it: "+
			"an API client cannot send the lock the next PUT …/draft requires", e.lockOf(t, code))
	}
	if _, res := e.procedure(t, code, 0); res.status != http.StatusNotFound {
		t.Errorf("a draft is public: %d", res.status)
	}
	if _, res := e.procedure(t, code, 1); res.status != http.StatusNotFound {
		t.Errorf("a draft is public by version: %d", res.status)
	}
	if got := search(); len(got) != 0 {
		t.Errorf("a draft is found: %v", procedureCodes(got))
	}

	// Published: version 1.
	res = e.send(t, http.MethodPost, "/api/v1/procedures/"+code+"/publish", nil, admin...)
	if res.status != http.StatusOK {
		t.Fatalf("publish: %d %s", res.status, res.body)
	}
	res.decode(t, &p)
	if p.Version != 1 || p.Status != "published" || p.PublishedAt == nil || !p.PublishedAt.Equal(catalogNow) {
		t.Errorf("published: version %d, status %s, published_at %v; want 1, published, %v", p.Version, p.Status, p.PublishedAt, catalogNow)
	}
	if !bytes.Contains(res.body, []byte(`"published_at":"2026-03-02T02:00:00Z"`)) {
		t.Errorf("published_at is not RFC 3339 UTC: %s", res.body)
	}
	got := e.mustProcedure(t, code, 0)
	if diff := cmp.Diff(api.Procedure{Code: code, Version: 1, Status: "published", PublishedAt: p.PublishedAt, Document: v1}, got, equateEmpty); diff != "" {
		t.Errorf("GET after publishing (-want +got):\n%s", diff)
	}
	if got := search(); len(got) == 0 || got[0].Code != code || got[0].Version != 1 {
		t.Errorf("search after publishing: %+v", got)
	}
	if f := lltp(); f == nil || f.Procedures != 1 {
		t.Errorf("field LLTP after publishing: %+v", f)
	}

	// A second version: drafted with the lock, the first stays current.
	v2 := judicialRecord(code, "LLTP", "H26.12")
	v2.Cases[0].Fees[0].Exemption = "Giảm 50% cho sinh viên, người có công với cách mạng; miễn cho trẻ em, người cao tuổi, người khuyết tật, người thuộc hộ nghèo"
	v2.Description = "Cấp Phiếu lý lịch tư pháp số 1 cho cá nhân tự yêu cầu."
	lock := e.lockOf(t, code)
	res = e.send(t, http.MethodPut, "/api/v1/procedures/"+code+"/draft", api.DraftRequest{Lock: lock, Document: v2}, admin...)
	if res.status != http.StatusOK {
		t.Fatalf("second draft: %d %s", res.status, res.body)
	}
	res.decode(t, &p)
	if p.Version != 2 || p.Status != "draft" || p.PublishedAt != nil {
		t.Errorf("second draft: version %d, status %s, published_at %v", p.Version, p.Status, p.PublishedAt)
	}
	if got := e.mustProcedure(t, code, 0); got.Version != 1 || !cmp.Equal(got.Document, v1, equateEmpty) {
		t.Errorf("with a draft pending, GET shows version %d", got.Version)
	}
	res = e.send(t, http.MethodPut, "/api/v1/procedures/"+code+"/draft", api.DraftRequest{Lock: lock, Document: v2}, admin...)
	if got := wantError(t, "stale lock", res, http.StatusConflict, "conflict"); res.status == 409 && got.Message != e.cat.T(locale.VI, "error.stale") {
		t.Errorf("stale lock: message %q", got.Message)
	}
	res = e.send(t, http.MethodPost, "/api/v1/procedures/"+code+"/publish", nil, admin...)
	if res.status != http.StatusOK {
		t.Fatalf("publish version 2: %d %s", res.status, res.body)
	}
	if got := e.mustProcedure(t, code, 0); got.Version != 2 || got.Status != "published" || !cmp.Equal(got.Document, v2, equateEmpty) {
		t.Errorf("current after version 2: version %d, status %s", got.Version, got.Status)
	}
	if got := e.mustProcedure(t, code, 1); got.Version != 1 || got.Status != "superseded" || !cmp.Equal(got.Document, v1, equateEmpty) ||
		got.PublishedAt == nil || !got.PublishedAt.Equal(catalogNow) {
		t.Errorf("version 1 after version 2: %+v", got)
	}
	if _, res := e.procedure(t, code, 3); res.status != http.StatusNotFound {
		t.Errorf("version 3: %d", res.status)
	}
	if got := search(); len(got) == 0 || got[0].Code != code || got[0].Version != 2 {
		t.Errorf("search after version 2: %+v", got)
	}

	// Withdrawn: with a reason, by its administrator only.
	withdraw := func(reason string, headers ...string) response {
		return e.send(t, http.MethodPost, "/api/v1/procedures/"+code+"/withdraw", api.WithdrawRequest{Reason: reason}, headers...)
	}
	for _, reason := range []string{"", " \t\n"} {
		res := withdraw(reason, admin...)
		got := wantError(t, "withdraw without reason", res, http.StatusUnprocessableEntity, "invalid")
		if want := map[string]string{"reason": e.cat.T(locale.VI, "field.required")}; res.status == 422 && !cmp.Equal(want, got.Fields) {
			t.Errorf("withdraw without reason: fields %v, want %v", got.Fields, want)
		}
	}
	wantError(t, "withdraw by a ward administrator", withdraw("Bãi bỏ", e.as("badinh.lanhdao")...), http.StatusForbidden, "forbidden")
	wantError(t, "withdraw anonymously", withdraw("Bãi bỏ"), http.StatusUnauthorized, "unauthenticated")
	res = withdraw("Bãi bỏ theo Quyết định số 1/QĐ-UBND", admin...)
	if res.status != http.StatusNoContent || len(res.body) != 0 {
		t.Fatalf("withdraw: %d %q", res.status, res.body)
	}
	if _, res := e.procedure(t, code, 0); res.status != http.StatusNotFound {
		t.Errorf("withdrawn, current: %d", res.status)
	}
	if got := e.mustProcedure(t, code, 2); got.Status != "withdrawn" || !cmp.Equal(got.Document, v2, equateEmpty) {
		t.Errorf("withdrawn, version 2: %+v", got)
	}
	if got := e.mustProcedure(t, code, 1); got.Status != "superseded" {
		t.Errorf("withdrawn, version 1: status %s", got.Status)
	}
	if got := search(); len(got) != 0 {
		t.Errorf("a withdrawn procedure is found: %v", procedureCodes(got))
	}
	if f := lltp(); f == nil || f.Procedures != 0 {
		t.Errorf("field LLTP after withdrawal: %+v", f)
	}
	if _, ok := byCode(e.export(t).Procedures)[code]; ok {
		t.Errorf("a withdrawn procedure is exported")
	}
	wantError(t, "withdraw again", withdraw("Bãi bỏ", admin...), http.StatusConflict, "conflict")
	wantError(t, "publish without a draft", e.send(t, http.MethodPost, "/api/v1/procedures/"+code+"/publish", nil, admin...),
		http.StatusConflict, "conflict")

	// Published again: version 3.
	res = e.send(t, http.MethodPut, "/api/v1/procedures/"+code+"/draft", api.DraftRequest{Lock: e.lockOf(t, code), Document: v2}, admin...)
	if res.status != http.StatusOK {
		t.Fatalf("draft after withdrawal: %d %s", res.status, res.body)
	}
	if res := e.send(t, http.MethodPost, "/api/v1/procedures/"+code+"/publish", nil, admin...); res.status != http.StatusOK {
		t.Fatalf("publish after withdrawal: %d %s", res.status, res.body)
	}
	if got := e.mustProcedure(t, code, 0); got.Version != 3 || got.Status != "published" {
		t.Errorf("published again: version %d, status %s", got.Version, got.Status)
	}
}

// testVersions: after a second version of 1.001193 is published, the
// first stays readable by number with its own content.
func (e *env) testVersions(t *testing.T) {
	const code = "1.001193"
	admin := e.as("admin")
	v1 := e.mustProcedure(t, code, 0)
	if v1.Version != 1 || !cmp.Equal(v1.Document, demoDoc(t, code), equateEmpty) {
		t.Fatalf("version 1 is not the demo's: %+v", v1)
	}
	doc := v1.Document
	doc.Description = "Đăng ký khai sinh cho trẻ em sinh ra tại Việt Nam (nội dung sửa đổi)."
	doc.Cases = slices.Clone(doc.Cases)
	doc.Cases[0].TimeNote = "Trả kết quả ngay trong ngày."
	res := e.send(t, http.MethodPut, "/api/v1/procedures/"+code+"/draft", api.DraftRequest{Lock: e.lockOf(t, code), Document: doc}, admin...)
	if res.status != http.StatusOK {
		t.Fatalf("draft: %d %s", res.status, res.body)
	}
	if res := e.send(t, http.MethodPost, "/api/v1/procedures/"+code+"/publish", nil, admin...); res.status != http.StatusOK {
		t.Fatalf("publish: %d %s", res.status, res.body)
	}
	old := e.mustProcedure(t, code, 1)
	if old.Version != 1 || old.Status != "superseded" || !cmp.Equal(old.Document, v1.Document, equateEmpty) {
		t.Errorf("?version=1: version %d, status %s, document changed: %v", old.Version, old.Status, !cmp.Equal(old.Document, v1.Document, equateEmpty))
	}
	cur := e.mustProcedure(t, code, 0)
	if cur.Version != 2 || cur.Status != "published" || !cmp.Equal(cur.Document, doc, equateEmpty) {
		t.Errorf("current: version %d, status %s", cur.Version, cur.Status)
	}
	if by2 := e.mustProcedure(t, code, 2); !cmp.Equal(by2, cur, equateEmpty) {
		t.Errorf("?version=2 differs from the current version:\n%s", cmp.Diff(cur, by2, equateEmpty))
	}
	for _, tt := range []struct {
		target string
		status int
		kind   string
	}{
		{"/api/v1/procedures/1.001193?version=3", 404, "not_found"},
		{"/api/v1/procedures/1.001193?version=99", 404, "not_found"},
		{"/api/v1/procedures/1.999999", 404, "not_found"},
		{"/api/v1/procedures/1.999999?version=1", 404, "not_found"},
		{"/api/v1/procedures/1.001193?version=0", 422, "invalid"},
		{"/api/v1/procedures/1.001193?version=-1", 422, "invalid"},
		{"/api/v1/procedures/1.001193?version=v1", 422, "invalid"},
	} {
		got := wantError(t, tt.target, e.get(t, tt.target), tt.status, tt.kind)
		if tt.status == 404 && got.Message != "" && got.Message != e.cat.T(locale.VI, "catalog.not_found") {
			t.Errorf("%s: message %q", tt.target, got.Message)
		}
		if _, ok := got.Fields["version"]; tt.status == 422 && !ok {
			t.Errorf("%s: fields %v, want version", tt.target, got.Fields)
		}
	}
	if l := e.searchProcedures(t, "q=khai+sinh"); len(l.Items) == 0 || l.Items[0].Code != code || l.Items[0].Version != 2 {
		t.Errorf("search after version 2: %+v", l.Items)
	}
}

// testPublishRechecks: publishing checks the draft again; an agency it
// names may have been renamed meanwhile.
func (e *env) testPublishRechecks(t *testing.T) {
	ctx := context.Background()
	a, err := e.agencies.Create(ctx, operator, agency.Input{Code: "H26.12.03", ParentCode: "H26.12", Kind: agency.Unit, Tier: "province",
		NameVI: "Phòng Quản lý lý lịch tư pháp", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	const code = "9.000003"
	res := e.send(t, http.MethodPut, "/api/v1/procedures/"+code+"/draft", api.DraftRequest{Document: judicialRecord(code, "HOTICH", "H26.12.03")},
		e.as("tuphap.quantri")...)
	if res.status != http.StatusOK {
		t.Fatalf("draft: %d %s", res.status, res.body)
	}
	if _, err := e.agencies.Update(ctx, operator, a.ID, a.Version, agency.Input{Code: "H26.12.09", ParentCode: "H26.12", Kind: agency.Unit,
		Tier: "province", NameVI: "Phòng Quản lý lý lịch tư pháp", Active: true}); err != nil {
		t.Fatal(err)
	}
	res = e.send(t, http.MethodPost, "/api/v1/procedures/"+code+"/publish", nil, e.as("tuphap.quantri")...)
	got := wantError(t, "publish a draft naming a renamed agency", res, http.StatusUnprocessableEntity, "invalid")
	if _, ok := got.Fields["agencies[0]"]; res.status == 422 && !ok {
		t.Errorf("fields %v, want agencies[0]", got.Fields)
	}
}

// testImportAllOrNothing: a bundle with one problem imports nothing, and
// says where every problem is.
func (e *env) testImportAllOrNothing(t *testing.T) {
	admin := e.as("tuphap.quantri")
	field := catalog.Field{Code: "BTTP", NameVI: "Bổ trợ tư pháp", NameEN: "Judicial support"}
	good1, good2 := judicialRecord("9.000101", "BTTP", "H26.12"), judicialRecord("9.000102", "BTTP", "H26.12")
	bundle := func(docs ...catalog.Document) catalog.Bundle {
		return catalog.Bundle{Format: catalog.Format, Fields: []catalog.Field{field}, Procedures: docs}
	}
	fieldsBefore := e.fields(t)
	nothingImported := func(t *testing.T) {
		t.Helper()
		if diff := cmp.Diff(fieldsBefore, e.fields(t)); diff != "" {
			t.Errorf("fields changed (-before +after):\n%s", diff)
		}
		for _, code := range []string{"9.000101", "9.000102"} {
			if e.stored(t, code) {
				t.Errorf("%s was imported", code)
			}
		}
	}
	noName := judicialRecord("9.000101", "BTTP", "H26.12")
	noName.NameVI = ""
	tests := []struct {
		name string
		body any
		lang locale.Lang
		want map[string]string // field → message key
	}{
		{"one negative fee", bundle(good1, withFee(judicialRecord("9.000102", "BTTP", "H26.12"), -1)), locale.VI,
			map[string]string{"procedures[1].cases[0].fees[0].amount_vnd": "catalog.fee.negative"}},
		{"one negative fee en", bundle(good1, withFee(judicialRecord("9.000102", "BTTP", "H26.12"), -1)), locale.EN,
			map[string]string{"procedures[1].cases[0].fees[0].amount_vnd": "catalog.fee.negative"}},
		{"every problem at once", catalog.Bundle{Format: catalog.Format,
			Fields:     []catalog.Field{{Code: "bad code!", NameVI: "X"}, field},
			Procedures: []catalog.Document{noName, withFee(judicialRecord("9.000102", "BTTP", "H26.12"), -1)}}, locale.VI,
			map[string]string{"fields[0].code": "catalog.field.code", "procedures[0].name_vi": "field.required",
				"procedures[1].cases[0].fees[0].amount_vnd": "catalog.fee.negative"}},
		{"unknown field", bundle(good1, judicialRecord("9.000102", "NOPE", "H26.12")), locale.VI,
			map[string]string{"procedures[1].field": "catalog.field.unknown"}},
		{"unknown agency", bundle(good1, judicialRecord("9.000102", "BTTP", "H26.12", "H26.99")), locale.VI,
			map[string]string{"procedures[1].agencies[1]": "catalog.agency.unknown"}},
		{"another format", catalog.Bundle{Format: "motcua-catalog/2", Fields: []catalog.Field{field}, Procedures: []catalog.Document{good1}}, locale.VI,
			map[string]string{"format": "catalog.import.format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.send(t, http.MethodPost, "/api/v1/catalog/import?publish=true", tt.body, append(admin, "Accept-Language", string(tt.lang))...)
			got := wantError(t, tt.name, res, http.StatusUnprocessableEntity, "invalid")
			if res.status == 422 {
				if !slices.Equal(mapKeys(got.Fields), mapKeys(tt.want)) {
					t.Errorf("fields %v, want %v", mapKeys(got.Fields), mapKeys(tt.want))
				}
				for f, key := range tt.want {
					if m, ok := got.Fields[f]; ok && key != "catalog.field.unknown" && key != "catalog.agency.unknown" && key != "catalog.import.format" &&
						m != e.cat.T(tt.lang, key) {
						t.Errorf("%s: %q, want %q", f, m, e.cat.T(tt.lang, key))
					}
				}
			}
			nothingImported(t)
		})
	}
	// Malformed bundles name the problem too; a JSON type error names the
	// value it is about as an import problem does.
	raw, err := json.Marshal(bundle(good1, good2))
	if err != nil {
		t.Fatal(err)
	}
	typeErr := bytes.Replace(raw, []byte(`"amount_vnd":200000`), []byte(`"amount_vnd":"200000"`), 2)
	typeErr = bytes.Replace(typeErr, []byte(`"amount_vnd":"200000"`), []byte(`"amount_vnd":200000`), 1) // only the second procedure's
	for _, tt := range []struct {
		name string
		body []byte
		want string // a field key, or "" for any single one
	}{
		{"not JSON", raw[:len(raw)/2], ""},
		{"misspelt key", bytes.Replace(raw, []byte(`"amount_vnd"`), []byte(`"amount_vdn"`), 1), ""},
		{"trailing data", append(slices.Clone(raw), []byte(` {}`)...), ""},
		{"amount as text", typeErr, "procedures[1].cases[0].fees[0].amount_vnd"},
	} {
		res := e.send(t, http.MethodPost, "/api/v1/catalog/import", tt.body, append(admin, "Content-Type", "application/json")...)
		got := wantError(t, tt.name, res, http.StatusUnprocessableEntity, "invalid")
		switch {
		case res.status != 422:
		case len(got.Fields) != 1:
			t.Errorf("%s: fields %v, want one", tt.name, got.Fields)
		case tt.want != "" && got.Fields[tt.want] == "":
			t.Errorf("%s: fields %v, want %s", tt.name, mapKeys(got.Fields), tt.want)
		}
		nothingImported(t)
	}
	// An agency administrator imports only what it administers.
	res := e.send(t, http.MethodPost, "/api/v1/catalog/import?publish=true", bundle(good1, judicialRecord("9.000102", "BTTP", "H26.13")), admin...)
	wantError(t, "a procedure of another department", res, http.StatusForbidden, "forbidden")
	nothingImported(t)

	// Fixed: everything, published.
	res = e.send(t, http.MethodPost, "/api/v1/catalog/import?publish=true", bundle(good1, good2), admin...)
	if res.status != http.StatusOK {
		t.Fatalf("fixed bundle: %d %s", res.status, res.body)
	}
	var ir api.ImportResult
	if res.decode(t, &ir); ir != (api.ImportResult{Fields: 1, Procedures: 2, Published: 2}) {
		t.Errorf("fixed bundle: %+v", ir)
	}
	for _, d := range []catalog.Document{good1, good2} {
		if got := e.mustProcedure(t, d.Code, 0); got.Version != 1 || got.Status != "published" || !cmp.Equal(got.Document, d, equateEmpty) {
			t.Errorf("%s after the import: version %d, status %s", d.Code, got.Version, got.Status)
		}
	}
	found := false
	for _, f := range e.fields(t) {
		if f.Code == field.Code {
			found = f.Procedures == 2 && f.NameVI == field.NameVI
		}
	}
	if !found {
		t.Errorf("field %s with 2 procedures missing from %+v", field.Code, e.fields(t))
	}
	// Again without publishing: new drafts, the published versions stay.
	res = e.send(t, http.MethodPost, "/api/v1/catalog/import", bundle(withFee(good1, 100000), good2), admin...)
	if res.decode(t, &ir); res.status != http.StatusOK || ir != (api.ImportResult{Fields: 1, Procedures: 2}) {
		t.Errorf("import of drafts: %d %+v", res.status, ir)
	}
	if got := e.mustProcedure(t, good1.Code, 0); got.Version != 1 || got.Document.Cases[0].Fees[0].AmountVND != 200000 {
		t.Errorf("an imported draft changed the published version: %+v", got)
	}
}

// testImportWorkbook: the XLSX template imports as it is; problems are
// named by sheet and cell.
func (e *env) testImportWorkbook(t *testing.T) {
	var tmpl bytes.Buffer
	if err := catalog.TemplateXLSX(&tmpl); err != nil {
		t.Fatal(err)
	}
	xlsx := func(h []string) []string { return append(slices.Clone(h), "Content-Type", xlsxType) }
	// The template is 1.001193 with its field: a new draft of it.
	res := e.send(t, http.MethodPost, "/api/v1/catalog/import", tmpl.Bytes(), xlsx(e.as("admin"))...)
	if res.status != http.StatusOK {
		t.Fatalf("the template: %d %s", res.status, res.body)
	}
	var ir api.ImportResult
	if res.decode(t, &ir); ir != (api.ImportResult{Fields: 1, Procedures: 1}) {
		t.Errorf("the template: %+v", ir)
	}

	bad := catalog.ExampleBundle()
	bad.Procedures[0].Code = "9.000201"
	bad.Procedures[0].Cases[0].Fees[1].AmountVND = -8000 // row 4 of the fee sheet, column F
	for _, lang := range []locale.Lang{locale.VI, locale.EN} {
		res := e.send(t, http.MethodPost, "/api/v1/catalog/import?publish=true", workbook(t, bad), xlsx(append(e.as("admin"), "Accept-Language", string(lang)))...)
		got := wantError(t, "negative fee in a workbook", res, http.StatusUnprocessableEntity, "invalid")
		want := map[string]string{catalog.SheetFees + "!F4": e.cat.T(lang, "catalog.fee.negative")}
		if diff := cmp.Diff(want, got.Fields); res.status == 422 && diff != "" {
			t.Errorf("negative fee in a workbook (%s): fields (-want +got):\n%s", lang, diff)
		}
	}
	if e.stored(t, "9.000201") {
		t.Error("a workbook with a problem was imported")
	}
	for name, body := range map[string][]byte{
		"text":     []byte("code,name\n1.001193,Đăng ký khai sinh\n"),
		"empty":    {},
		"zip only": []byte("PK\x03\x04\x14\x00\x00\x00"),
	} {
		res := e.send(t, http.MethodPost, "/api/v1/catalog/import", body, xlsx(e.as("admin"))...)
		got := wantError(t, name, res, http.StatusUnprocessableEntity, "invalid")
		if want := map[string]string{"file": e.cat.T(locale.VI, "catalog.xlsx.malformed")}; res.status == 422 && !cmp.Equal(want, got.Fields) {
			t.Errorf("%s: fields %v, want %v", name, got.Fields, want)
		}
	}
	wantError(t, "a workbook anonymously", e.send(t, http.MethodPost, "/api/v1/catalog/import", tmpl.Bytes(), xlsx(nil)...),
		http.StatusUnauthorized, "unauthenticated")
	wantError(t, "a workbook by a reception officer", e.send(t, http.MethodPost, "/api/v1/catalog/import", tmpl.Bytes(), xlsx(e.as("motcua.tiepnhan"))...),
		http.StatusForbidden, "forbidden")
}

// testExportIsPublished: after all the changes, the export is exactly the
// current published version of every procedure that is not withdrawn.
func (e *env) testExportIsPublished(t *testing.T) {
	b := e.export(t)
	var codes []string
	for _, d := range b.Procedures {
		codes = append(codes, d.Code)
		if cur := e.mustProcedure(t, d.Code, 0); !cmp.Equal(cur.Document, d, equateEmpty) {
			t.Errorf("%s: exported content differs from the current version:\n%s", d.Code, cmp.Diff(cur.Document, d, equateEmpty))
		}
	}
	all := e.allCodes(t, "")
	slices.Sort(all)
	if diff := cmp.Diff(all, codes); diff != "" {
		t.Errorf("exported procedures differ from the published ones (-published +exported):\n%s", diff)
	}
	var fieldCodes, exported []string
	for _, f := range e.fields(t) {
		fieldCodes = append(fieldCodes, f.Code)
	}
	for _, f := range b.Fields {
		exported = append(exported, f.Code)
	}
	slices.Sort(fieldCodes)
	slices.Sort(exported)
	if diff := cmp.Diff(fieldCodes, exported); diff != "" {
		t.Errorf("exported fields (-listed +exported):\n%s", diff)
	}
	// The export imports back as it is.
	res := e.send(t, http.MethodPost, "/api/v1/catalog/import?publish=false", b, e.as("admin")...)
	var ir api.ImportResult
	if res.decode(t, &ir); res.status != http.StatusOK || ir.Procedures != len(b.Procedures) {
		t.Errorf("importing the export: %d %+v", res.status, ir)
	}
}

func mapKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
