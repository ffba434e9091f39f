package agency

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/motcua/motcua/internal/fold"
)

func loadAdminUnits(t testing.TB) *AdminUnits {
	t.Helper()
	a, err := LoadAdminUnits()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAdminUnitsCounts(t *testing.T) {
	a := loadAdminUnits(t)
	provinces := a.Provinces()
	if len(provinces) != 34 {
		t.Fatalf("%d provinces, want 34", len(provinces))
	}
	seen := make(map[string]bool)
	total := 0
	kinds := make(map[AdminUnitKind]int)
	for _, p := range provinces {
		if len(p.Code) != 2 || !allDigits(p.Code) || p.ProvinceCode != p.Code || !p.Kind.IsProvinceLevel() {
			t.Errorf("bad province %+v", p)
		}
		kinds[p.Kind]++
		communes := a.Communes(p.Code)
		if len(communes) == 0 {
			t.Errorf("province %s has no communes", p.Code)
		}
		for _, c := range communes {
			if len(c.Code) != 5 || !allDigits(c.Code) {
				t.Errorf("commune code %q is not 5 digits", c.Code)
			}
			if seen[c.Code] {
				t.Errorf("commune code %s appears twice", c.Code)
			}
			seen[c.Code] = true
			if c.ProvinceCode != p.Code || c.Kind.IsProvinceLevel() || c.Kind == 0 {
				t.Errorf("bad commune %+v in %s", c, p.Code)
			}
			if u, ok := a.Lookup(c.Code); !ok || u != c {
				t.Errorf("Lookup(%s) = %+v, %v", c.Code, u, ok)
			}
			kinds[c.Kind]++
		}
		if !slices.IsSortedFunc(communes, func(x, y AdminUnit) int { return strings.Compare(x.Code, y.Code) }) {
			t.Errorf("communes of %s are not in code order", p.Code)
		}
		total += len(communes)
	}
	if total != 3321 {
		t.Errorf("%d communes, want 3,321", total)
	}
	for code, want := range map[string]int{"01": 126, "79": 168} {
		if got := len(a.Communes(code)); got != want {
			t.Errorf("province %s has %d communes, want %d", code, got, want)
		}
	}
	// Six centrally governed cities, 28 provinces; 687 wards, 2,621
	// communes and 13 special zones, as the names in the source state.
	want := map[AdminUnitKind]int{
		AdminUnitCity: 6, AdminUnitProvince: 28,
		AdminUnitWard: 687, AdminUnitCommune: 2621, AdminUnitSpecialZone: 13,
	}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	if a.Communes("00") != nil || a.Communes("") != nil {
		t.Error("Communes of an unknown province is not nil")
	}
}

func TestAdminUnitLookup(t *testing.T) {
	a := loadAdminUnits(t)
	tests := []struct {
		code string
		want AdminUnit
	}{
		{"01", AdminUnit{Code: "01", Name: "Thành phố Hà Nội", ProvinceCode: "01", Kind: AdminUnitCity, Folded: "thanh pho ha noi"}},
		{"79", AdminUnit{Code: "79", Name: "Thành phố Hồ Chí Minh", ProvinceCode: "79", Kind: AdminUnitCity, Folded: "thanh pho ho chi minh"}},
		{"04", AdminUnit{Code: "04", Name: "Tỉnh Cao Bằng", ProvinceCode: "04", Kind: AdminUnitProvince, Folded: "tinh cao bang"}},
		{"00004", AdminUnit{Code: "00004", Name: "Phường Ba Đình", ProvinceCode: "01", Kind: AdminUnitWard, Folded: "phuong ba dinh"}},
		{"00097", AdminUnit{Code: "00097", Name: "Phường Hồng Hà", ProvinceCode: "01", Kind: AdminUnitWard, Folded: "phuong hong ha"}},
		{"16171", AdminUnit{Code: "16171", Name: "Xã Ba Đình", ProvinceCode: "38", Kind: AdminUnitCommune, Folded: "xa ba dinh"}},
		{"11948", AdminUnit{Code: "11948", Name: "Đặc khu Bạch Long Vĩ", ProvinceCode: "31", Kind: AdminUnitSpecialZone, Folded: "dac khu bach long vi"}},
	}
	for _, tt := range tests {
		got, ok := a.Lookup(tt.code)
		if !ok {
			t.Errorf("Lookup(%s): not found", tt.code)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%s) (-want +got):\n%s", tt.code, diff)
		}
	}
	for _, code := range []string{"", "1", "00", "99", "00001", "99999", " 00004"} {
		if u, ok := a.Lookup(code); ok {
			t.Errorf("Lookup(%q) = %+v, want not found", code, u)
		}
	}
}

func TestAdminUnitShortName(t *testing.T) {
	a := loadAdminUnits(t)
	for code, want := range map[string]string{
		"01": "Hà Nội", "04": "Cao Bằng", "00004": "Ba Đình", "16171": "Ba Đình", "11948": "Bạch Long Vĩ",
	} {
		u, _ := a.Lookup(code)
		if got := u.ShortName(); got != want {
			t.Errorf("%s.ShortName() = %q, want %q", code, got, want)
		}
	}
}

func TestAdminUnitKindText(t *testing.T) {
	for _, k := range []AdminUnitKind{AdminUnitProvince, AdminUnitCity, AdminUnitWard, AdminUnitCommune, AdminUnitSpecialZone} {
		got, err := ParseAdminUnitKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseAdminUnitKind(%q) = %v, %v; want %v", k.String(), got, err, k)
		}
	}
	for _, s := range []string{"", "Province", "xa", "AdminUnitKind(0)"} {
		if k, err := ParseAdminUnitKind(s); err == nil {
			t.Errorf("ParseAdminUnitKind(%q) = %v, want error", s, k)
		}
	}
	if s := AdminUnitKind(0).String(); s != "AdminUnitKind(0)" {
		t.Errorf("AdminUnitKind(0).String() = %q", s)
	}
}

func TestResolveOld(t *testing.T) {
	a := loadAdminUnits(t)
	unit := func(code string) AdminUnit {
		u, ok := a.Lookup(code)
		if !ok {
			t.Fatalf("no unit %s", code)
		}
		return u
	}
	tests := []struct {
		old  string
		want []Resolution
	}{
		// An old ward that went wholly into a new one.
		{"00001", []Resolution{{OldCode: "00001", OldName: "Phường Phúc Xá", Unit: unit("00097")}}},
		// An old ward split between four new ones.
		{"00019", []Resolution{
			{OldCode: "00019", OldName: "Phường Điện Biên", Unit: unit("00004"), Partial: true},
			{OldCode: "00019", OldName: "Phường Điện Biên", Unit: unit("00070"), Partial: true},
			{OldCode: "00019", OldName: "Phường Điện Biên", Unit: unit("00190"), Partial: true},
			{OldCode: "00019", OldName: "Phường Điện Biên", Unit: unit("00226"), Partial: true},
		}},
		// Old provinces merged into new ones.
		{"01", []Resolution{{OldCode: "01", OldName: "Thành phố Hà Nội", Unit: unit("01")}}},
		{"74", []Resolution{{OldCode: "74", OldName: "Tỉnh Bình Dương", Unit: unit("79")}}},
		{"02", []Resolution{{OldCode: "02", OldName: "Tỉnh Hà Giang", Unit: unit("08")}}},
		// An island district without communes that became a special zone.
		{"318", []Resolution{{OldCode: "318", OldName: "Huyện Bạch Long Vĩ", Unit: unit("11948")}}},
		{"99999", nil},
		{"001", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, a.ResolveOld(tt.old)); diff != "" {
			t.Errorf("ResolveOld(%q) (-want +got):\n%s", tt.old, diff)
		}
	}

	from := a.FormedFrom("00004")
	if len(from) < 2 || from[0].OldCode != "00004" || from[0].OldName != "Phường Trúc Bạch" || from[0].Partial {
		t.Errorf("FormedFrom(00004) = %+v", from)
	}
	if !slices.ContainsFunc(from, func(r Resolution) bool { return r.OldCode == "00016" && r.Partial }) {
		t.Errorf("FormedFrom(00004) lacks part of old Phường Ngọc Hà: %+v", from)
	}
	for _, r := range from {
		if r.Unit.Code != "00004" {
			t.Errorf("FormedFrom(00004) has a resolution to %s", r.Unit.Code)
		}
	}
	if got := a.FormedFrom("99999"); got != nil {
		t.Errorf("FormedFrom(99999) = %+v", got)
	}

	// Seeding a history table keyed by (old code, new code) must not meet
	// a pair twice, and both directions must hold the same pairs.
	pairs := make(map[[2]string]bool)
	units := a.Provinces()
	for _, p := range a.Provinces() {
		units = append(units, a.Communes(p.Code)...)
	}
	for _, u := range units {
		for _, r := range a.FormedFrom(u.Code) {
			k := [2]string{r.OldCode, r.Unit.Code}
			if pairs[k] {
				t.Errorf("pair %v appears twice", k)
			}
			pairs[k] = true
			if !slices.Contains(a.ResolveOld(r.OldCode), r) {
				t.Errorf("FormedFrom(%s) has %+v, which ResolveOld(%s) lacks", u.Code, r, r.OldCode)
			}
		}
	}
	if len(pairs) != 10667 {
		t.Errorf("%d old-new pairs, want 10,667", len(pairs))
	}
}

// TestSplitsAgree checks the embedded splits.json, the inverse mapping that
// the loader does not read, against what it builds from merges.json: if a
// future update of the data breaks one direction, this says so.
func TestSplitsAgree(t *testing.T) {
	a := loadAdminUnits(t)
	raw, err := readGzip(adminUnitDir + "splits.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	type split struct {
		NewCode string `json:"new_id"`
		Name    string `json:"name"`
	}
	type old struct {
		L1     string  `json:"level1_id"`
		L2     string  `json:"level2_id"`
		L3     string  `json:"level3_id"`
		Name   string  `json:"name"`
		Splits []split `json:"splits"`
	}
	var f struct {
		Data []struct {
			old
			Level2s []old `json:"level2s"`
			Level3s []old `json:"level3s"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	n := 0
	check := func(code string, o old) {
		n++
		got := a.ResolveOld(code)
		var gotCodes, wantCodes []string
		for _, r := range got {
			gotCodes = append(gotCodes, r.Unit.Code)
			if r.OldName != strings.Join(strings.Fields(o.Name), " ") {
				t.Errorf("old %s: name %q in merges, %q in splits", code, r.OldName, o.Name)
			}
		}
		for _, s := range o.Splits {
			wantCodes = append(wantCodes, s.NewCode)
			// splits.json spells some new names differently (province names
			// without "Tỉnh", "Hoá" for "Hóa", trailing spaces): compare them
			// folded, as a suffix.
			if u, ok := a.Lookup(s.NewCode); !ok || !strings.HasSuffix(u.Folded, fold.Fold(s.Name)) {
				t.Errorf("old %s: splits names new unit %s %q, catalogue has %q", code, s.NewCode, s.Name, u.Name)
			}
		}
		slices.Sort(wantCodes)
		if diff := cmp.Diff(wantCodes, gotCodes); diff != "" {
			t.Errorf("old %s (%s) (-splits +merges):\n%s", code, o.Name, diff)
		}
	}
	for _, p := range f.Data {
		check(p.L1, p.old)
		for _, d := range p.Level2s {
			check(d.L2, d)
		}
		for _, c := range p.Level3s {
			check(c.L3, c)
		}
	}
	if n != 63+5+10047 {
		t.Errorf("checked %d old units, want 63 provinces, 5 districts and 10,047 communes", n)
	}
}

// TestAdminUnitDataIntact pins the embedded files to the published
// originals (digests from the data README).
func TestAdminUnitDataIntact(t *testing.T) {
	for name, want := range map[string]string{
		"merges.json.gz": "7d4f8cb5ed4be203589faeb9978957e5dc8bb982bc42680b9c2f044ce0e8795a",
		"splits.json.gz": "335cc8907764e63e31f8603f9b46287d21f3916b00695fdcfe9371907aad5aa2",
	} {
		raw, err := readGzip(adminUnitDir + name)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s decompresses to sha256 %s, want %s", name, got, want)
		}
	}
	if l := AdminUnitsLicense(); !strings.Contains(l, "MIT License") || !strings.Contains(l, "dvhcvn") {
		t.Errorf("AdminUnitsLicense() = %q", l)
	}
}

func TestAdminUnitsCopies(t *testing.T) {
	a := loadAdminUnits(t)
	p := a.Provinces()
	p[0].Name = "changed"
	c := a.Communes("01")
	c[0].Name = "changed"
	r := a.ResolveOld("00001")
	r[0].OldName = "changed"
	if a.Provinces()[0].Name == "changed" || a.Communes("01")[0].Name == "changed" || a.ResolveOld("00001")[0].OldName == "changed" {
		t.Error("a returned slice aliases the catalogue")
	}
}

func codes(us []AdminUnit) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Code)
	}
	return out
}

func TestAdminUnitSearch(t *testing.T) {
	a := loadAdminUnits(t)
	tests := []struct {
		q         string
		limit     int
		wantFirst []string
	}{
		// Phường Ba Đình (Hà Nội), Xã Ba Đình (Thanh Hóa), Xã Ba Dinh (Quảng
		// Ngãi): the same folded name, so code order decides.
		{"ba dinh", 0, []string{"00004", "16171", "21499"}},
		{"BA ĐÌNH", 0, []string{"00004", "16171", "21499"}},
		{"Ba Đình", 0, []string{"00004", "16171", "21499"}},
		{"  ba-dinh!", 0, []string{"00004", "16171", "21499"}},
		// Exact spelling wins among equals only when the query has diacritics.
		{"Ba Dinh", 0, []string{"00004", "16171", "21499"}},
		{"phuong ba dinh", 0, []string{"00004"}},
		{"xa ba dinh", 0, []string{"16171", "21499"}},
		{"ha noi", 0, []string{"01"}},
		{"Hồ Chí Minh", 0, []string{"79"}},
		{"hong ha", 0, []string{"00097"}},
		{"bach long", 0, []string{"11948"}},
		{"ba dinh", 1, []string{"00004"}},
	}
	for _, tt := range tests {
		got := codes(a.Search(tt.q, tt.limit))
		if len(got) < len(tt.wantFirst) || !slices.Equal(got[:len(tt.wantFirst)], tt.wantFirst) {
			t.Errorf("Search(%q, %d) = %v, want it to begin with %v", tt.q, tt.limit, got, tt.wantFirst)
		}
		if tt.limit > 0 && len(got) > tt.limit {
			t.Errorf("Search(%q, %d) returned %d units", tt.q, tt.limit, len(got))
		}
	}
	for _, q := range []string{"", "   ", "!!!", "zzzzqqq"} {
		if got := a.Search(q, 10); len(got) != 0 {
			t.Errorf("Search(%q) = %v, want nothing", q, codes(got))
		}
	}
	// Every match has every query word at the start of a name word.
	for _, u := range a.Search("ba d", 0) {
		if !strings.Contains(" "+u.Folded, " ba") || !strings.Contains(" "+u.Folded, " d") {
			t.Errorf("Search(ba d) returned %s %q", u.Code, u.Name)
		}
	}
}

// TestAdminUnitSearchRanking checks the ranking rules on a small catalogue
// made for the purpose.
func TestAdminUnitSearchRanking(t *testing.T) {
	f := &adminUnitsFile{}
	f.Data = make([]struct {
		Code    string        `json:"level1_id"`
		Name    string        `json:"name"`
		Merges  []adminOldRef `json:"merges"`
		Level2s []struct {
			Code   string        `json:"level2_id"`
			Name   string        `json:"name"`
			Merges []adminOldRef `json:"merges"`
		} `json:"level2s"`
	}, 1)
	p := &f.Data[0]
	p.Code, p.Name = "01", "Tỉnh An Định"
	p.Merges = []adminOldRef{{Code: "01", Name: "Tỉnh An Định", Type: "full"}}
	for i, name := range []string{
		"Xã Bà Định Thượng", // 00001: phrase, spelled as typed
		"Phường Ba Đình",    // 00002: short name equal
		"Xã Bà Định",        // 00003: short name equal, spelled as typed
		"Xã Định Ba",        // 00004: both words, wrong order
		"Xã Bắc Đinh",       // 00005: "ba" only begins a word
		"Xã Ba Đình Hạ",     // 00006: phrase
		"Xã Bà Đinh Cũ",     // 00007: phrase
	} {
		code := "0000" + string(rune('1'+i))
		p.Level2s = append(p.Level2s, struct {
			Code   string        `json:"level2_id"`
			Name   string        `json:"name"`
			Merges []adminOldRef `json:"merges"`
		}{code, name, []adminOldRef{{Code: code, Name: name, Type: "full"}}})
	}
	f.Stats.Level1, f.Stats.Level2 = 1, len(p.Level2s)
	a, err := buildAdminUnits(f)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"ba dinh", []string{"00002", "00003", "00001", "00006", "00007", "00004", "00005"}},
		{"Bà Định", []string{"00003", "00002", "00001", "00006", "00007", "00004", "00005"}},
		{"dinh ba", []string{"00004", "00001", "00002", "00003", "00006", "00007", "00005"}},
		{"ba di", []string{"00001", "00002", "00003", "00004", "00005", "00006", "00007"}},
		{"tinh an dinh", []string{"01"}},
		{"an dinh", []string{"01"}},
		{"dinh", []string{"01", "00001", "00002", "00003", "00004", "00005", "00006", "00007"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, codes(a.Search(tt.q, 0))); diff != "" {
			t.Errorf("Search(%q) (-want +got):\n%s", tt.q, diff)
		}
	}
}

func TestBuildAdminUnitsRejectsBadData(t *testing.T) {
	good := func() *adminUnitsFile {
		var f adminUnitsFile
		if err := json.Unmarshal([]byte(`{"data":[{"level1_id":"01","name":"Thành phố Hà Nội",
			"merges":[{"old_id":"01","name":"Thành phố Hà Nội","type":"full"}],
			"level2s":[{"level2_id":"00004","name":"Phường Ba Đình",
				"merges":[{"old_id":"00004","name":"Phường Trúc Bạch","type":"full"}]}]}],
			"stats":{"level1_count":1,"level2_count":1}}`), &f); err != nil {
			t.Fatal(err)
		}
		return &f
	}
	if _, err := buildAdminUnits(good()); err != nil {
		t.Fatalf("good data rejected: %v", err)
	}
	breakers := map[string]func(f *adminUnitsFile){
		"province code": func(f *adminUnitsFile) { f.Data[0].Code = "1" },
		"commune code":  func(f *adminUnitsFile) { f.Data[0].Level2s[0].Code = "0004" },
		"kind":          func(f *adminUnitsFile) { f.Data[0].Level2s[0].Name = "Quận Ba Đình" },
		"province kind": func(f *adminUnitsFile) { f.Data[0].Name = "Phường Hà Nội" },
		"merge type":    func(f *adminUnitsFile) { f.Data[0].Level2s[0].Merges[0].Type = "some" },
		"old code":      func(f *adminUnitsFile) { f.Data[0].Level2s[0].Merges[0].Code = "0004" },
		"no merges":     func(f *adminUnitsFile) { f.Data[0].Level2s[0].Merges = nil },
		"stats":         func(f *adminUnitsFile) { f.Stats.Level2 = 2 },
		"duplicate": func(f *adminUnitsFile) {
			f.Data[0].Level2s = append(f.Data[0].Level2s, f.Data[0].Level2s[0])
			f.Stats.Level2 = 2
		},
		"bare kind name": func(f *adminUnitsFile) { f.Data[0].Level2s[0].Name = "Phường " },
		"duplicate codes": func(f *adminUnitsFile) {
			f.Data[0].Level2s[0].Code = "00001"
			f.Data = append(f.Data, f.Data[0])
			f.Stats.Level1 = 2
		},
	}
	for name, breakIt := range breakers {
		f := good()
		breakIt(f)
		if _, err := buildAdminUnits(f); err == nil {
			t.Errorf("%s: bad data accepted", name)
		}
	}
}

func BenchmarkLoadAdminUnits(b *testing.B) {
	for b.Loop() {
		if _, err := LoadAdminUnits(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdminUnitSearch(b *testing.B) {
	a := loadAdminUnits(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = a.Search("phường ba đình", 10)
	}
}
