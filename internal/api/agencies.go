package api

import (
	"net/http"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/errs"
)

// Agency is an agency as the API shows it.
type Agency struct {
	Code          string  `json:"code"`
	CodeLegacy    *string `json:"code_legacy"`
	ParentCode    *string `json:"parent_code"`
	Kind          string  `json:"kind"`
	Tier          string  `json:"tier"`
	Depth         int     `json:"depth"`
	NameVI        string  `json:"name_vi"`
	NameEN        string  `json:"name_en"`
	ShortName     string  `json:"short_name"`
	AdminUnitCode *string `json:"admin_unit_code"`
	Address       string  `json:"address"`
	Phone         string  `json:"phone"`
	Email         string  `json:"email"`
	WorkingHours  string  `json:"working_hours"`
	Active        bool    `json:"active"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toAgency(a agency.Agency, parentCode string) Agency {
	return Agency{Code: a.Code.String(), CodeLegacy: strPtr(a.Code.LegacyForm()), ParentCode: strPtr(parentCode),
		Kind: string(a.Kind), Tier: a.Tier, Depth: a.Depth, NameVI: a.NameVI, NameEN: a.NameEN, ShortName: a.ShortName,
		AdminUnitCode: strPtr(a.AdminUnitCode), Address: a.Address, Phone: a.Phone, Email: a.Email,
		WorkingHours: a.WorkingHours, Active: a.Active}
}

// AgencyList is the list of agencies.
type AgencyList struct {
	Items []Agency `json:"items"`
	Total int      `json:"total"`
}

// listAgencies returns the whole organisation tree in tree order: it is
// public information, as on the national portal.
func (s *Server) listAgencies(w http.ResponseWriter, r *http.Request) {
	all, err := s.cfg.Agencies.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	codes := make(map[int64]string, len(all))
	for _, a := range all {
		codes[a.ID] = a.Code.String()
	}
	out := AgencyList{Items: make([]Agency, 0, len(all)), Total: len(all)}
	for _, a := range all {
		out.Items = append(out.Items, toAgency(a, codes[a.ParentID]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getAgency(w http.ResponseWriter, r *http.Request) {
	a, err := s.cfg.Agencies.ByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	parent := ""
	if a.ParentID != 0 {
		p, err := s.cfg.Agencies.Get(r.Context(), a.ParentID)
		if err != nil {
			s.fail(w, r, errs.Wrap("api.getAgency", err))
			return
		}
		parent = p.Code.String()
	}
	writeJSON(w, http.StatusOK, toAgency(a, parent))
}
