package agency

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/motcua/motcua/internal/fold"
	"golang.org/x/text/unicode/norm"
)

// Administrative units (đơn vị hành chính) after the reorganisation of
// 1 July 2025: two levels of local government, 34 province-level units and
// 3,321 commune-level units, coded under QĐ 19/2025/QĐ-TTg (two digits for a
// province, five for a commune). The catalogue ships with the program from
// data/vn-admin-units-2025 (dvhcvn/20250701, MIT: see its README and
// LICENSE), together with the mapping from the units that existed before,
// which old dossiers and registry records still name.

//go:embed data/vn-admin-units-2025
var adminUnitData embed.FS

const adminUnitDir = "data/vn-admin-units-2025/"

// AdminUnitsLicense returns the licence of the administrative-unit data,
// for the notices page: the MIT licence asks that it accompany every copy,
// and the binary is one.
func AdminUnitsLicense() string {
	b, err := adminUnitData.ReadFile(adminUnitDir + "LICENSE")
	if err != nil {
		panic(err) // embedded at build time: cannot be missing
	}
	return string(b)
}

// AdminUnitKind is the type of an administrative unit, as its official name
// states it.
type AdminUnitKind uint8

// The kinds of unit since 1 July 2025. The zero value is no kind.
const (
	AdminUnitProvince    AdminUnitKind = iota + 1 // tỉnh
	AdminUnitCity                                 // thành phố trực thuộc trung ương
	AdminUnitWard                                 // phường
	AdminUnitCommune                              // xã
	AdminUnitSpecialZone                          // đặc khu
)

// adminUnitKinds lists, per kind, its stable identifier and the prefix
// that official names of that kind begin with. A function, not a variable,
// so that no package state can be changed.
func adminUnitKinds() [6]struct{ id, prefix string } {
	return [6]struct{ id, prefix string }{
		AdminUnitProvince:    {"province", "Tỉnh "},
		AdminUnitCity:        {"city", "Thành phố "},
		AdminUnitWard:        {"ward", "Phường "},
		AdminUnitCommune:     {"commune", "Xã "},
		AdminUnitSpecialZone: {"special_zone", "Đặc khu "},
	}
}

// String returns the stable identifier of k ("province", "city", "ward",
// "commune", "special_zone"), for storage and the API.
func (k AdminUnitKind) String() string {
	if k == 0 || int(k) >= len(adminUnitKinds()) {
		return fmt.Sprintf("AdminUnitKind(%d)", uint8(k))
	}
	return adminUnitKinds()[k].id
}

// ParseAdminUnitKind is the inverse of AdminUnitKind.String.
func ParseAdminUnitKind(s string) (AdminUnitKind, error) {
	for k, v := range adminUnitKinds() {
		if k > 0 && v.id == s {
			return AdminUnitKind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown administrative unit kind %q", s)
}

// IsProvinceLevel reports whether k is a unit of the first level (tỉnh or
// thành phố trực thuộc trung ương); the others are of the commune level.
func (k AdminUnitKind) IsProvinceLevel() bool {
	return k == AdminUnitProvince || k == AdminUnitCity
}

// adminUnitKindOf derives the kind from an official name.
func adminUnitKindOf(name string, provinceLevel bool) (AdminUnitKind, bool) {
	for k, v := range adminUnitKinds() {
		if k > 0 && AdminUnitKind(k).IsProvinceLevel() == provinceLevel && strings.HasPrefix(name, v.prefix) && len(name) > len(v.prefix) {
			return AdminUnitKind(k), true
		}
	}
	return 0, false
}

// AdminUnit is a province-level or commune-level unit in force today.
type AdminUnit struct {
	Code         string        // "01" for a province, "00004" for a commune
	Name         string        // the official name with its kind: "Phường Ba Đình"
	ProvinceCode string        // the province it lies in; its own code for a province
	Kind         AdminUnitKind // derived from the name
	Folded       string        // fold.Fold(Name), for search columns
}

// ShortName returns the name without the kind: "Ba Đình" for
// "Phường Ba Đình", "Hà Nội" for "Thành phố Hà Nội".
func (u AdminUnit) ShortName() string {
	if u.Kind == 0 || int(u.Kind) >= len(adminUnitKinds()) {
		return u.Name
	}
	return strings.TrimPrefix(u.Name, adminUnitKinds()[u.Kind].prefix)
}

// Resolution links a unit that existed before 1 July 2025 to a unit of
// today that was formed, wholly or in part, from it.
type Resolution struct {
	OldCode string    // the old code: 2 digits (province), 3 (district) or 5 (commune)
	OldName string    // the old official name, e.g. "Phường Phúc Xá"
	Unit    AdminUnit // the unit of today
	// Partial is true when only part of the old unit's territory went into
	// Unit, so that an old address alone does not decide the new unit.
	Partial bool
}

// AdminUnits is the catalogue of today's units with the mapping from the old
// ones. It is read-only once loaded and safe for concurrent use.
type AdminUnits struct {
	provinces  []AdminUnit
	communes   map[string][]AdminUnit // by province code, in code order
	byCode     map[string]AdminUnit
	fromOld    map[string][]Resolution // old code → today's units
	formedFrom map[string][]Resolution // today's code → old units
	index      []searchEntry           // provinces, then communes, in code order
}

type searchEntry struct {
	unit   AdminUnit
	short  string   // folded short name
	words  []string // folded words of the full name
	lower  string   // lower-case NFC name, to prefer exact spelling
	phrase string   // " " + folded + " ", for whole-word phrase matching
}

// The shape of merges.json.
type adminUnitsFile struct {
	Data []struct {
		Code    string        `json:"level1_id"`
		Name    string        `json:"name"`
		Merges  []adminOldRef `json:"merges"`
		Level2s []struct {
			Code   string        `json:"level2_id"`
			Name   string        `json:"name"`
			Merges []adminOldRef `json:"merges"`
		} `json:"level2s"`
	} `json:"data"`
	Stats struct {
		Level1 int `json:"level1_count"`
		Level2 int `json:"level2_count"`
	} `json:"stats"`
}

type adminOldRef struct {
	Code string `json:"old_id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// LoadAdminUnits reads the embedded catalogue. It takes some tens of
// milliseconds: load once at start-up and share the result.
func LoadAdminUnits() (*AdminUnits, error) {
	raw, err := readGzip(adminUnitDir + "merges.json.gz")
	if err != nil {
		return nil, fmt.Errorf("agency: administrative units: %w", err)
	}
	var f adminUnitsFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("agency: administrative units: %w", err)
	}
	a, err := buildAdminUnits(&f)
	if err != nil {
		return nil, fmt.Errorf("agency: administrative units: %w", err)
	}
	return a, nil
}

func readGzip(name string) ([]byte, error) {
	b, err := adminUnitData.ReadFile(name)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// buildAdminUnits indexes the file and checks it, so that a damaged or
// changed data file fails loudly at start-up rather than as odd search
// results.
func buildAdminUnits(f *adminUnitsFile) (*AdminUnits, error) {
	a := &AdminUnits{
		communes:   make(map[string][]AdminUnit, len(f.Data)),
		byCode:     make(map[string]AdminUnit, f.Stats.Level1+f.Stats.Level2),
		fromOld:    make(map[string][]Resolution),
		formedFrom: make(map[string][]Resolution, f.Stats.Level1+f.Stats.Level2),
	}
	var communes []AdminUnit
	for _, p := range f.Data {
		prov, err := newAdminUnit(p.Code, p.Name, p.Code, true)
		if err != nil {
			return nil, err
		}
		if err := a.add(prov, p.Merges); err != nil {
			return nil, err
		}
		a.provinces = append(a.provinces, prov)
		for _, c := range p.Level2s {
			u, err := newAdminUnit(c.Code, c.Name, p.Code, false)
			if err != nil {
				return nil, err
			}
			if err := a.add(u, c.Merges); err != nil {
				return nil, err
			}
			a.communes[p.Code] = append(a.communes[p.Code], u)
			communes = append(communes, u)
		}
	}
	if len(a.provinces) != f.Stats.Level1 || len(communes) != f.Stats.Level2 {
		return nil, fmt.Errorf("%d provinces and %d communes, but the file's stats say %d and %d",
			len(a.provinces), len(communes), f.Stats.Level1, f.Stats.Level2)
	}
	byCode := func(x, y AdminUnit) int { return cmp.Compare(x.Code, y.Code) }
	slices.SortFunc(a.provinces, byCode)
	slices.SortFunc(communes, byCode)
	for _, cs := range a.communes {
		slices.SortFunc(cs, byCode)
	}
	byNewCode := func(x, y Resolution) int { return cmp.Compare(x.Unit.Code, y.Unit.Code) }
	for _, rs := range a.fromOld {
		slices.SortFunc(rs, byNewCode)
	}
	for _, u := range slices.Concat(a.provinces, communes) {
		a.index = append(a.index, newSearchEntry(u))
	}
	return a, nil
}

func newAdminUnit(code, name, province string, provinceLevel bool) (AdminUnit, error) {
	width := 5
	if provinceLevel {
		width = 2
	}
	if len(code) != width || !allDigits(code) {
		return AdminUnit{}, fmt.Errorf("unit %q (%s): code must be %d digits", code, name, width)
	}
	name = cleanName(name)
	kind, ok := adminUnitKindOf(name, provinceLevel)
	if !ok {
		return AdminUnit{}, fmt.Errorf("unit %s: name %q does not begin with a known kind", code, name)
	}
	return AdminUnit{Code: code, Name: name, ProvinceCode: province, Kind: kind, Folded: fold.Fold(name)}, nil
}

func (a *AdminUnits) add(u AdminUnit, merges []adminOldRef) error {
	if _, dup := a.byCode[u.Code]; dup {
		return fmt.Errorf("unit %s (%s): duplicate code", u.Code, u.Name)
	}
	a.byCode[u.Code] = u
	if len(merges) == 0 {
		return fmt.Errorf("unit %s (%s): formed from no old unit", u.Code, u.Name)
	}
	for _, m := range merges {
		if n := len(m.Code); n != 2 && n != 3 && n != 5 || !allDigits(m.Code) {
			return fmt.Errorf("unit %s: old code %q is not 2, 3 or 5 digits", u.Code, m.Code)
		}
		var partial bool
		switch m.Type {
		case "full":
		case "partial":
			partial = true
		default:
			return fmt.Errorf("unit %s: old unit %s has type %q, want full or partial", u.Code, m.Code, m.Type)
		}
		r := Resolution{OldCode: m.Code, OldName: cleanName(m.Name), Unit: u, Partial: partial}
		a.fromOld[m.Code] = append(a.fromOld[m.Code], r)
		a.formedFrom[u.Code] = append(a.formedFrom[u.Code], r)
	}
	return nil
}

// cleanName undoes the stray and doubled spaces of the source ("Xã Cò  Nòi")
// and puts the name in NFC, so that equal names compare equal and
// exact-spelling search works.
func cleanName(s string) string {
	return norm.NFC.String(strings.Join(strings.Fields(s), " "))
}

func newSearchEntry(u AdminUnit) searchEntry {
	return searchEntry{
		unit:   u,
		short:  fold.Fold(u.ShortName()),
		words:  fold.Words(u.Name),
		lower:  strings.ToLower(u.Name),
		phrase: " " + u.Folded + " ",
	}
}

// Provinces returns the 34 province-level units in code order.
func (a *AdminUnits) Provinces() []AdminUnit { return slices.Clone(a.provinces) }

// Communes returns the commune-level units (phường, xã, đặc khu) of a
// province in code order, or nil for an unknown province.
func (a *AdminUnits) Communes(provinceCode string) []AdminUnit {
	return slices.Clone(a.communes[provinceCode])
}

// Lookup returns today's unit with the given code: two digits for a
// province, five for a commune.
func (a *AdminUnits) Lookup(code string) (AdminUnit, bool) {
	u, ok := a.byCode[code]
	return u, ok
}

// ResolveOld returns today's units that an old (before 1 July 2025)
// province, district or commune code became, in code order; nil for a code
// that named no old unit. An old commune split between several new ones
// gives several resolutions, each marked Partial. Of the old districts
// (three digits) only the five island districts that had no communes
// (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) resolve, to the special
// zones they became; every other district was abolished, and its communes
// resolve instead.
func (a *AdminUnits) ResolveOld(oldCode string) []Resolution {
	return slices.Clone(a.fromOld[oldCode])
}

// FormedFrom returns the old units that today's unit code was formed from,
// in the order of the source data; nil for an unknown code.
func (a *AdminUnits) FormedFrom(code string) []Resolution {
	return slices.Clone(a.formedFrom[code])
}

// Search finds units whose names match q regardless of diacritics, case
// and punctuation, best first, at most limit of them (all when limit ≤ 0).
//
// Matches are ranked: the name without its kind ("ba dinh" for Phường Ba
// Đình) or the full name equal to the query; then the query as a phrase of
// whole words; then every query word as a whole word; then every query word
// as the beginning of a word, for text still being typed. Within a rank,
// names containing the query exactly as typed, with its diacritics, come
// first when the query has any, so that "Bà Định" prefers Bà Định to
// Ba Đình; then province-level
// units; then code order. A query without letters or digits finds nothing.
func (a *AdminUnits) Search(q string, limit int) []AdminUnit {
	words := fold.Words(q)
	if len(words) == 0 {
		return nil
	}
	folded := strings.Join(words, " ")
	phrase := " " + folded + " "
	// Preferring the exact spelling only makes sense when the user typed
	// diacritics: "ba dinh" must not favour a name that happens to be
	// written without them (Xã Ba Dinh) over Phường Ba Đình.
	exact := ""
	if hasNonASCII(q) {
		exact = strings.ToLower(norm.NFC.String(strings.Join(strings.Fields(q), " ")))
	}

	type hit struct {
		e       *searchEntry
		rank    int
		spelled bool
	}
	var hits []hit
	for i := range a.index {
		e := &a.index[i]
		rank := -1
		switch {
		case e.short == folded || e.unit.Folded == folded:
			rank = 0
		case strings.Contains(e.phrase, phrase):
			rank = 1
		case allWords(words, e.words, func(n, w string) bool { return n == w }):
			rank = 2
		case allWords(words, e.words, strings.HasPrefix):
			rank = 3
		}
		if rank >= 0 {
			hits = append(hits, hit{e, rank, exact != "" && strings.Contains(e.lower, exact)})
		}
	}
	slices.SortStableFunc(hits, func(x, y hit) int {
		if c := cmp.Compare(x.rank, y.rank); c != 0 {
			return c
		}
		if x.spelled != y.spelled {
			if x.spelled {
				return -1
			}
			return 1
		}
		// a.index is in province-then-code order already; the stable sort
		// keeps it.
		return 0
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]AdminUnit, len(hits))
	for i, h := range hits {
		out[i] = h.e.unit
	}
	return out
}

// allWords reports whether every query word matches some name word.
func allWords(query, name []string, match func(nameWord, queryWord string) bool) bool {
	for _, q := range query {
		if !slices.ContainsFunc(name, func(n string) bool { return match(n, q) }) {
			return false
		}
	}
	return true
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}
