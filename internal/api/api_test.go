package api_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/locale"
)

func ptr(s string) *string { return &s }

// TestAPI exercises the handlers over HTTP on both engines.
func TestAPI(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		t.Run("agencies in tree order", e.testListAgencies)
		t.Run("agency by code", e.testGetAgency)
		t.Run("admin unit search", e.testSearchAdminUnits)
		t.Run("admin unit detail", e.testGetAdminUnit)
		t.Run("hostile input", e.testHostileInput)
		t.Run("q within maxLength", e.testSearchQueryWithinMaxLength)
		t.Run("errors", e.testErrors)
		t.Run("me", e.testMe)
		t.Run("outage", func(t *testing.T) { testOutage(t, newBrokenEnv(t, engineOf(d))) })
	})
}

func (e *env) listAgencies(t *testing.T) api.AgencyList {
	t.Helper()
	res := e.get(t, "/api/v1/agencies")
	if res.status != 200 {
		t.Fatalf("GET /api/v1/agencies: %d %s", res.status, res.body)
	}
	var list api.AgencyList
	res.decode(t, &list)
	return list
}

func (e *env) testListAgencies(t *testing.T) {
	list := e.listAgencies(t)
	type node struct{ Code, Parent string }
	var got, want []node
	for _, a := range list.Items {
		p := ""
		if a.ParentCode != nil {
			p = *a.ParentCode
		}
		got = append(got, node{a.Code, p})
	}
	for _, n := range treeOrder {
		want = append(want, node{n.code, n.parent})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("agencies not in tree order with their parents (-want +got):\n%s", diff)
	}
	if list.Total != len(treeOrder) {
		t.Errorf("total = %d, want %d", list.Total, len(treeOrder))
	}
	wantH26 := api.Agency{Code: "H26", CodeLegacy: ptr("000.00.00.H26"), Kind: "peoples-committee", Tier: "province", Depth: 1,
		NameVI: "Ủy ban nhân dân Thành phố Hà Nội", NameEN: "Hanoi People's Committee", ShortName: "UBND Thành phố Hà Nội",
		AdminUnitCode: ptr("01"), Address: "79 Đinh Tiên Hoàng, Hoàn Kiếm, Hà Nội", Phone: "024 3825 3536",
		Email: "vanphong@hanoi.gov.vn", WorkingHours: "08:00-12:00,13:00-17:00", Active: true}
	wantUnit := api.Agency{Code: "H26.12.05", CodeLegacy: ptr("000.05.12.H26"), ParentCode: ptr("H26.12"), Kind: "unit",
		Tier: "province", Depth: 3, NameVI: "Phòng Hành chính tư pháp", Active: false}
	if len(list.Items) == len(treeOrder) {
		if diff := cmp.Diff(wantH26, list.Items[0]); diff != "" {
			t.Errorf("H26 in the list (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantUnit, list.Items[4]); diff != "" {
			t.Errorf("H26.12.05 in the list (-want +got):\n%s", diff)
		}
	}
}

func (e *env) testGetAgency(t *testing.T) {
	justice := api.Agency{Code: "H26.12", CodeLegacy: ptr("000.00.12.H26"), ParentCode: ptr("H26"), Kind: "department",
		Tier: "province", Depth: 2, NameVI: "Sở Tư pháp Thành phố Hà Nội", NameEN: "Hanoi Department of Justice",
		ShortName: "Sở Tư pháp", AdminUnitCode: ptr("01"), Active: true}
	ward := api.Agency{Code: "H26.107", CodeLegacy: nil, ParentCode: ptr("H26"), Kind: "peoples-committee", Tier: "commune",
		Depth: 2, NameVI: "Ủy ban nhân dân Phường Ba Đình", AdminUnitCode: ptr("00004"), Active: true}
	root := api.Agency{Code: "H29", CodeLegacy: ptr("000.00.00.H29"), Kind: "peoples-committee", Tier: "province", Depth: 1,
		NameVI: "Ủy ban nhân dân Thành phố Hồ Chí Minh", AdminUnitCode: ptr("79"), Active: true}
	tests := []struct {
		name, code string
		want       api.Agency
	}{
		{"left to right", "H26.12", justice},
		{"legacy order", "000.00.12.H26", justice},
		{"lower case", "h26.12", justice},
		{"surrounding space", " 000.00.12.h26 ", justice},
		{"no legacy form", "H26.107", ward},
		{"root", "H29", root},
		{"root in legacy order", "000.00.00.H29", root},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.get(t, "/api/v1/agencies/"+url.PathEscape(tt.code))
			if res.status != 200 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			var got api.Agency
			res.decode(t, &got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// Null, not absent and not "", for a code with no legacy form and a
	// root's parent.
	res := e.get(t, "/api/v1/agencies/H26.107")
	if !strings.Contains(string(res.body), `"code_legacy":null`) {
		t.Errorf("H26.107: want \"code_legacy\":null in %s", res.body)
	}
	res = e.get(t, "/api/v1/agencies/H29")
	if !strings.Contains(string(res.body), `"parent_code":null`) {
		t.Errorf("H29: want \"parent_code\":null in %s", res.body)
	}
	for _, code := range []string{"H26.99", "H27", "000.00.99.H26", "H26.12.05.01", "H26..12", "000.05.00.H26", "Ủ"} {
		res := e.get(t, "/api/v1/agencies/"+url.PathEscape(code))
		if res.status != 404 {
			t.Errorf("GET agency %q: status %d, want 404: %s", code, res.status, res.body)
		}
	}
}

func (e *env) searchUnits(t *testing.T, query string) api.AdminUnitList {
	t.Helper()
	res := e.get(t, "/api/v1/admin-units?"+query)
	if res.status != 200 {
		t.Fatalf("GET admin-units?%s: %d %s", query, res.status, res.body)
	}
	var list api.AdminUnitList
	res.decode(t, &list)
	if list.Items == nil {
		t.Errorf("admin-units?%s: items is null, want an array", query)
	}
	return list
}

func unitCodes(us []api.AdminUnit) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Code)
	}
	return out
}

var baDinh = api.AdminUnit{Code: "00004", Name: "Phường Ba Đình", Kind: "ward", ProvinceCode: "01"}

func (e *env) testSearchAdminUnits(t *testing.T) {
	for _, q := range []string{"ba dinh", "BA ĐÌNH", "Ba Đình", "phuong ba dinh", "PHƯỜNG BA ĐÌNH", "  ba-dinh! "} {
		list := e.searchUnits(t, "q="+url.QueryEscape(q))
		if len(list.Items) == 0 || list.Items[0] != baDinh {
			t.Errorf("q=%q: first of %v, want 00004 Phường Ba Đình", q, unitCodes(list.Items))
		}
		if list.Total < len(list.Items) {
			t.Errorf("q=%q: total %d < %d items", q, list.Total, len(list.Items))
		}
	}

	list := e.searchUnits(t, "province=01")
	if list.Total != 126 || len(list.Items) != 20 {
		t.Errorf("province=01: total %d with %d items, want 126 with the default limit of 20", list.Total, len(list.Items))
	}
	list = e.searchUnits(t, "province=01&limit=200")
	if list.Total != 126 || len(list.Items) != 126 {
		t.Errorf("province=01&limit=200: total %d with %d items, want 126", list.Total, len(list.Items))
	}
	codes := unitCodes(list.Items)
	if !slices.IsSorted(codes) || !slices.Contains(codes, "00004") {
		t.Errorf("province=01: codes %v, want them in code order with 00004", codes)
	}
	for _, u := range list.Items {
		if u.ProvinceCode != "01" || (u.Kind != "ward" && u.Kind != "commune") {
			t.Errorf("province=01 lists %+v", u)
		}
	}
	if list := e.searchUnits(t, "province=99"); list.Total != 0 || len(list.Items) != 0 {
		t.Errorf("province=99: %+v, want nothing", list)
	}
	for _, u := range e.searchUnits(t, "province=01&q=ba&limit=200").Items {
		if u.ProvinceCode != "01" {
			t.Errorf("province=01&q=ba lists %+v from another province", u)
		}
	}
	if list := e.searchUnits(t, "q=ba&limit=1"); len(list.Items) != 1 || list.Total <= 1 {
		t.Errorf("q=ba&limit=1: %d items of %d, want 1 of many", len(list.Items), list.Total)
	}

	tests := []struct {
		query string
		want  []string
	}{
		{"old=00001", []string{"00097"}},
		{"old=+00001+", []string{"00097"}},
		{"old=00019", []string{"00004", "00070", "00190", "00226"}}, // split between four wards
		{"old=00001&province=79&q=sai+gon", []string{"00097"}},      // old wins
		{"old=01", []string{"01"}},                                  // an old province code
		{"old=99999", nil},
	}
	for _, tt := range tests {
		list := e.searchUnits(t, tt.query)
		if diff := cmp.Diff(tt.want, unitCodes(list.Items)); diff != "" || list.Total != len(tt.want) {
			t.Errorf("%s: total %d (-want +got):\n%s", tt.query, list.Total, diff)
		}
	}
	hongHa := e.searchUnits(t, "old=00001").Items
	if want := []api.AdminUnit{{Code: "00097", Name: "Phường Hồng Hà", Kind: "ward", ProvinceCode: "01"}}; !slices.Equal(hongHa, want) {
		t.Errorf("old=00001 = %+v, want %+v", hongHa, want)
	}
}

// testSearchQueryWithinMaxLength: the document allows q up to 200
// characters (JSON Schema maxLength counts characters). A query of 152
// characters, all of them Vietnamese words, must be searched whole, so it
// finds exactly what its distinct words find.
func (e *env) testSearchQueryWithinMaxLength(t *testing.T) {
	long := strings.Repeat("Đình ", 30) + "Ba" // 152 characters, 212 bytes
	if n := len([]rune(long)); n > 200 {
		t.Fatalf("test query has %d characters", n)
	}
	want := e.searchUnits(t, "q="+url.QueryEscape("Đình Ba")+"&limit=200")
	got := e.searchUnits(t, "q="+url.QueryEscape(long)+"&limit=200")
	if got.Total != want.Total {
		t.Errorf("q of %d characters (%d bytes) found %d units, but its words alone find %d: the query was cut short",
			len([]rune(long)), len(long), got.Total, want.Total)
	}
	if len(got.Items) > 0 && got.Items[0] != baDinh {
		t.Errorf("q of %d characters: first %v, want 00004", len([]rune(long)), got.Items[0])
	}
}

func (e *env) testGetAdminUnit(t *testing.T) {
	res := e.get(t, "/api/v1/admin-units/00004")
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	var got api.AdminUnitDetail
	res.decode(t, &got)
	if got.AdminUnit != baDinh {
		t.Errorf("unit = %+v, want %+v", got.AdminUnit, baDinh)
	}
	if len(got.FormedFrom) < 2 {
		t.Fatalf("formed_from = %+v, want several old units", got.FormedFrom)
	}
	if want := (api.OldUnit{Code: "00004", Name: "Phường Trúc Bạch", Partial: false}); got.FormedFrom[0] != want {
		t.Errorf("formed_from[0] = %+v, want %+v", got.FormedFrom[0], want)
	}
	partial := map[string]bool{}
	for _, o := range got.FormedFrom {
		partial[o.Code] = o.Partial
	}
	// Part of old Phường Ngọc Hà and of Phường Điện Biên went into Ba Đình.
	for _, code := range []string{"00016", "00019"} {
		if p, ok := partial[code]; !ok || !p {
			t.Errorf("formed_from lacks %s as partial: %+v", code, got.FormedFrom)
		}
	}
	// The JSON has the flag for every entry, false included.
	var raw struct {
		FormedFrom []map[string]any `json:"formed_from"`
	}
	if err := json.Unmarshal(res.body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, o := range raw.FormedFrom {
		if _, ok := o["partial"].(bool); !ok {
			t.Errorf("formed_from entry without a boolean partial: %v", o)
		}
	}

	res = e.get(t, "/api/v1/admin-units/01")
	var hn api.AdminUnitDetail
	res.decode(t, &hn)
	if hn.Code != "01" || hn.Kind != "city" || hn.ProvinceCode != "01" || hn.FormedFrom == nil {
		t.Errorf("admin-units/01 = %+v", hn)
	}
	for _, code := range []string{"99999", "00001", "1", "abc", "%2000004"} {
		if res := e.get(t, "/api/v1/admin-units/"+code); res.status != 404 {
			t.Errorf("admin-units/%s: status %d, want 404", code, res.status)
		}
	}
}

func (e *env) testHostileInput(t *testing.T) {
	inputs := []string{
		`"`, `*`, `OR`, `ba OR dinh`, `"ba" AND NOT "dinh"`, `'; DROP TABLE agencies; --`, `' OR '1'='1`,
		`%`, `_`, `\`, `ba*`, `NEAR(ba dinh)`, `{"$gt": ""}`, "\x00", "\xff\xfe", "ba\u0300dinh",
		strings.Repeat("a", 1000), strings.Repeat("đ", 1000), strings.Repeat("ba dinh ", 125), "",
	}
	for _, q := range inputs {
		for _, param := range []string{"q", "old", "province"} {
			query := param + "=" + url.QueryEscape(q)
			res := e.get(t, "/api/v1/admin-units?"+query)
			if param == "province" && strings.TrimSpace(q) != "" {
				// Anything but two digits is refused, in the error shape.
				var e api.Error
				if res.status != 422 || !res.isJSON() {
					t.Errorf("%.60s: status %d, want 422", query, res.status)
				} else if res.decode(t, &e); e.Error.Fields["province"] == "" {
					t.Errorf("%.60s: no field error for province: %.200s", query, res.body)
				}
				continue
			}
			if res.status != 200 || !res.isJSON() {
				t.Errorf("%.60s: status %d, Content-Type %q: %.200s", query, res.status, res.header.Get("Content-Type"), res.body)
				continue
			}
			var list api.AdminUnitList
			res.decode(t, &list)
			if list.Items == nil || list.Total < len(list.Items) || len(list.Items) > 20 {
				t.Errorf("%.60s: %d items of %d", query, len(list.Items), list.Total)
			}
		}
		res := e.get(t, "/api/v1/agencies/"+url.PathEscape(q))
		if q != "" && (res.status != 404 || !res.isJSON()) {
			t.Errorf("agency %.60q: status %d: %.200s", q, res.status, res.body)
		}
	}
	if list := e.listAgencies(t); list.Total != len(treeOrder) {
		t.Errorf("after hostile input there are %d agencies, want %d", list.Total, len(treeOrder))
	}
}

func (e *env) testErrors(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		lang    string // Accept-Language
		status  int
		kind    string
		want    locale.Lang
		key     string
		fields  map[string]string // field → message key, formatted with 200
		literal string            // the exact message, when given
	}{
		{"agency vi", "/api/v1/agencies/H26.99", "", 404, "not_found", locale.VI, "agency.not_found", nil, "Không tìm thấy cơ quan."},
		{"agency en", "/api/v1/agencies/H26.99", "en", 404, "not_found", locale.EN, "agency.not_found", nil, "Agency not found."},
		{"agency en-US", "/api/v1/agencies/H26.99", "en-US,en;q=0.9", 404, "not_found", locale.EN, "agency.not_found", nil, ""},
		{"agency vi preferred", "/api/v1/agencies/H26.99", "vi-VN, en;q=0.5", 404, "not_found", locale.VI, "agency.not_found", nil, ""},
		{"agency unsupported language", "/api/v1/agencies/H26.99", "fr-FR", 404, "not_found", locale.VI, "agency.not_found", nil, ""},
		{"agency garbage language", "/api/v1/agencies/H26.99", ";;;==", 404, "not_found", locale.VI, "agency.not_found", nil, ""},
		{"admin unit vi", "/api/v1/admin-units/99999", "", 404, "not_found", locale.VI, "api.admin_unit_not_found", nil, ""},
		{"admin unit en", "/api/v1/admin-units/99999", "en", 404, "not_found", locale.EN, "api.admin_unit_not_found", nil, ""},
		{"limit 0 vi", "/api/v1/admin-units?q=ba&limit=0", "", 422, "invalid", locale.VI, "error.invalid", map[string]string{"limit": "api.limit"}, ""},
		{"limit abc en", "/api/v1/admin-units?q=ba&limit=abc", "en", 422, "invalid", locale.EN, "error.invalid", map[string]string{"limit": "api.limit"}, ""},
		{"limit 201", "/api/v1/admin-units?limit=201", "", 422, "invalid", locale.VI, "error.invalid", map[string]string{"limit": "api.limit"}, ""},
		{"limit 1.5", "/api/v1/admin-units?old=00001&limit=1.5", "", 422, "invalid", locale.VI, "error.invalid", map[string]string{"limit": "api.limit"}, ""},
		{"me vi", "/api/v1/me", "", 401, "unauthenticated", locale.VI, "error.unauthenticated", nil, "Vui lòng đăng nhập để tiếp tục."},
		{"me en", "/api/v1/me", "en", 401, "unauthenticated", locale.EN, "error.unauthenticated", nil, "Please sign in to continue."},
		{"no such endpoint", "/api/v1/nope", "", 404, "not_found", locale.VI, "api.no_such_endpoint", nil, ""},
		{"no such endpoint en", "/api/v2/agencies", "en", 404, "not_found", locale.EN, "api.no_such_endpoint", nil, ""},
		{"no such sub-resource", "/api/v1/agencies/H26.12/children", "", 404, "not_found", locale.VI, "api.no_such_endpoint", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.lang != "" {
				headers = []string{"Accept-Language", tt.lang}
			}
			res := e.get(t, tt.target, headers...)
			if res.status != tt.status {
				t.Errorf("status %d, want %d", res.status, tt.status)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			var got api.Error
			res.decode(t, &got)
			want := api.ErrorBody{Code: tt.kind, Message: e.cat.T(tt.want, tt.key), RequestID: res.header.Get("X-Request-Id")}
			if tt.fields != nil {
				want.Fields = map[string]string{}
				for f, key := range tt.fields {
					want.Fields[f] = e.cat.T(tt.want, key, 200)
				}
			}
			if diff := cmp.Diff(want, got.Error); diff != "" {
				t.Errorf("error body (-want +got):\n%s", diff)
			}
			if got.Error.RequestID == "" {
				t.Error("no request_id")
			}
			if got.Error.Message == tt.key || got.Error.Message == "" {
				t.Errorf("message %q: the key is missing from the catalogue", got.Error.Message)
			}
			for f, m := range got.Error.Fields {
				if m == tt.fields[f] || strings.Contains(m, "%!") {
					t.Errorf("field %s: message %q is a bare key or badly formatted", f, m)
				}
			}
			other := locale.EN
			if tt.want == locale.EN {
				other = locale.VI
			}
			if got.Error.Message == e.cat.T(other, tt.key) {
				t.Errorf("message %q is in the wrong language", got.Error.Message)
			}
			if tt.literal != "" && got.Error.Message != tt.literal {
				t.Errorf("message %q, want %q", got.Error.Message, tt.literal)
			}
			wantAuth := ""
			if tt.status == 401 {
				wantAuth = `Bearer realm="motcua"`
			}
			if got := res.header.Get("WWW-Authenticate"); got != wantAuth {
				t.Errorf("WWW-Authenticate %q, want %q", got, wantAuth)
			}
		})
	}
}

func (e *env) testMe(t *testing.T) {
	official := api.Me{Kind: "official", Name: "Nguyễn Văn A", Username: officialUsername,
		Agency: &api.AgencyRef{Code: "H26.12", NameVI: "Sở Tư pháp Thành phố Hà Nội"},
		Roles: []api.Role{
			{Role: "agency-admin", AgencyCode: "H26.12", Subtree: true},
			{Role: "specialist", AgencyCode: "H26.12.05", Subtree: false},
		}}
	tests := []struct {
		name    string
		headers []string
		want    api.Me
		absent  []string // JSON properties that must not appear
	}{
		{"official by token", bearer(e.officialToken), official, []string{"national_id"}},
		{"official by session", cookie(e.officialSession), official, []string{"national_id"}},
		{"system by token", bearer(e.systemToken), api.Me{Kind: "system", Name: "Trục liên thông LGSP Hà Nội", Username: "lgsp-hanoi",
			Agency: &api.AgencyRef{Code: "H26", NameVI: "Ủy ban nhân dân Thành phố Hà Nội"},
			Roles:  []api.Role{{Role: "reception-officer", AgencyCode: "H26.03", Subtree: false}}}, []string{"national_id"}},
		{"citizen by session", cookie(e.citizenSession), api.Me{Kind: "citizen", Name: "Trần Thị Bích", NationalID: citizenID},
			[]string{"roles", "agency", "username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.get(t, "/api/v1/me", tt.headers...)
			if res.status != 200 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			var got api.Me
			res.decode(t, &got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			var raw map[string]any
			if err := json.Unmarshal(res.body, &raw); err != nil {
				t.Fatal(err)
			}
			for _, k := range tt.absent {
				if _, ok := raw[k]; ok {
					t.Errorf("%q present in %s", k, res.body)
				}
			}
		})
	}
	// A bad credential leaves the request anonymous.
	for name, h := range map[string][]string{
		"forged token":    bearer("mct_forged"),
		"no prefix":       bearer("not-a-token"),
		"stale cookie":    cookie("stale"),
		"basic":           {"Authorization", "Basic dXNlcjpwYXNz"},
		"token as cookie": cookie(e.officialToken),
	} {
		res := e.get(t, "/api/v1/me", h...)
		if res.status != 401 || res.header.Get("WWW-Authenticate") != `Bearer realm="motcua"` {
			t.Errorf("%s: status %d, WWW-Authenticate %q", name, res.status, res.header.Get("WWW-Authenticate"))
		}
	}
}

// testOutage: with the database gone the API answers 500 in the one error
// shape, without the cause, and logs the cause with the request id.
func testOutage(t *testing.T, e *env) {
	for _, target := range []string{"/api/v1/agencies", "/api/v1/agencies/H26.12"} {
		res := e.get(t, target, "Accept-Language", "en")
		if res.status != 500 {
			t.Errorf("%s: status %d, want 500", target, res.status)
		}
		var got api.Error
		res.decode(t, &got)
		want := api.ErrorBody{Code: "internal", Message: e.cat.T(locale.EN, "error.internal"), RequestID: res.header.Get("X-Request-Id")}
		if diff := cmp.Diff(want, got.Error); diff != "" {
			t.Errorf("%s: error body (-want +got):\n%s", target, diff)
		}
		if logs := e.logs.String(); !strings.Contains(logs, "api request failed") || !strings.Contains(logs, want.RequestID) {
			t.Errorf("%s: the failure was not logged with request id %s:\n%s", target, want.RequestID, logs)
		}
	}
	// Parts that need no database keep working.
	if res := e.get(t, "/api/v1/admin-units/00004"); res.status != 200 {
		t.Errorf("admin-units during an outage: %d", res.status)
	}
}
