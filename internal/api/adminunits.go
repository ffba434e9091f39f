package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/errs"
)

// AdminUnit is an administrative unit of today.
type AdminUnit struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	ProvinceCode string `json:"province_code"`
}

// AdminUnitDetail adds the pre-July-2025 units it was formed from.
type AdminUnitDetail struct {
	AdminUnit
	FormedFrom []OldUnit `json:"formed_from"`
}

// OldUnit is a unit that existed before 1 July 2025.
type OldUnit struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Partial bool   `json:"partial"`
}

// AdminUnitList is a search result.
type AdminUnitList struct {
	Items []AdminUnit `json:"items"`
	Total int         `json:"total"`
}

func toUnit(u agency.AdminUnit) AdminUnit {
	return AdminUnit{Code: u.Code, Name: u.Name, Kind: u.Kind.String(), ProvinceCode: u.ProvinceCode}
}

// searchAdminUnits finds units by name with or without diacritics, lists
// a province's communes (province=), or resolves a pre-2025 code (old=).
// The catalogue is the embedded, read-only national dataset, searched in
// memory: it is the same in every server copy and needs no database trip.
func (s *Server) searchAdminUnits(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := limitParam(r, 20, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p := strings.TrimSpace(q.Get("province")); p != "" && !isProvinceCode(p) {
		var v errs.Validation
		v.Add("province", "api.province_code")
		s.fail(w, r, v.Err("api.searchAdminUnits"))
		return
	}
	var units []agency.AdminUnit
	switch {
	case q.Get("old") != "":
		for _, res := range s.cfg.Units.ResolveOld(strings.TrimSpace(q.Get("old"))) {
			units = append(units, res.Unit)
		}
	case q.Get("province") != "" && strings.TrimSpace(q.Get("q")) == "":
		units = s.cfg.Units.Communes(strings.TrimSpace(q.Get("province")))
	default:
		query := q.Get("q")
		if utf8.RuneCountInString(query) > maxQuery {
			query = string([]rune(query)[:maxQuery])
		}
		prov := strings.TrimSpace(q.Get("province"))
		for _, u := range s.cfg.Units.Search(query, 0) {
			if prov == "" || u.ProvinceCode == prov {
				units = append(units, u)
			}
		}
	}
	out := AdminUnitList{Items: make([]AdminUnit, 0, min(limit, len(units))), Total: len(units)}
	for i, u := range units {
		if i == limit {
			break
		}
		out.Items = append(out.Items, toUnit(u))
	}
	writeJSON(w, http.StatusOK, out)
}

// maxQuery is the longest search text read, in characters (the OpenAPI
// document's maxLength); longer input is cut, not refused.
const maxQuery = 200

func isProvinceCode(s string) bool {
	return len(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'
}

func (s *Server) getAdminUnit(w http.ResponseWriter, r *http.Request) {
	u, ok := s.cfg.Units.Lookup(r.PathValue("code"))
	if !ok {
		s.fail(w, r, errs.E("api.getAdminUnit", errs.NotFound, "api.admin_unit_not_found"))
		return
	}
	out := AdminUnitDetail{AdminUnit: toUnit(u), FormedFrom: []OldUnit{}}
	for _, res := range s.cfg.Units.FormedFrom(u.Code) {
		out.FormedFrom = append(out.FormedFrom, OldUnit{Code: res.OldCode, Name: res.OldName, Partial: res.Partial})
	}
	writeJSON(w, http.StatusOK, out)
}
