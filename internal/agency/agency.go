// Package agency holds the organisation tree of a province's agencies, their
// electronic identifier codes (QĐ 20/2020/QĐ-TTg) and the country's
// administrative units after the July 2025 reorganisation.
package agency

import (
	"slices"
	"time"
)

// Kind is what an agency is, which decides what it may do in the one-stop
// process (a service centre receives dossiers on behalf of other agencies).
type Kind string

// The agency kinds.
const (
	PeoplesCommittee Kind = "peoples-committee" // Ủy ban nhân dân
	Department       Kind = "department"        // Sở, ban, ngành
	ServiceCentre    Kind = "service-centre"    // Trung tâm phục vụ hành chính công
	Unit             Kind = "unit"              // phòng, đơn vị trực thuộc
	OtherKind        Kind = "other"
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{PeoplesCommittee, Department, ServiceCentre, Unit, OtherKind}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// ReceivesDossiers reports whether an agency of this kind runs a one-stop
// reception desk for itself or for others.
func (k Kind) ReceivesDossiers() bool {
	return k == ServiceCentre || k == PeoplesCommittee || k == Department
}

// Tier is a level of government, kept as data with effective dates because
// the levels changed on 1 July 2025 and old records still name the old ones.
type Tier struct {
	Code      string
	Rank      int
	NameVI    string
	NameEN    string
	ValidFrom string
	ValidTo   string // "" while in force
}

// Agency is one node of the organisation tree.
type Agency struct {
	ID            int64
	Code          Code
	ParentID      int64 // 0 for a root
	Path          string
	Depth         int
	Kind          Kind
	Tier          string
	NameVI        string
	NameEN        string
	ShortName     string
	AdminUnitCode string // the province or commune the agency serves
	Address       string
	Phone         string
	Email         string
	WorkingHours  string // "" = the platform default
	CodeFormat    string // dossier code format: "A" (TT 01/2018) or "B" (TT 04/2025)
	CodeOwner     string // format B: the system owner's two digits
	Active        bool
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Name returns the agency's name in the language, falling back to Vietnamese.
func (a Agency) Name(lang string) string {
	if lang == "en" && a.NameEN != "" {
		return a.NameEN
	}
	return a.NameVI
}

// Input is what an administrator sets on an agency.
type Input struct {
	Code          string
	ParentCode    string // "" for a root
	Kind          Kind
	Tier          string
	NameVI        string
	NameEN        string
	ShortName     string
	AdminUnitCode string
	Address       string
	Phone         string
	Email         string
	WorkingHours  string
	Active        bool
}

// LegacyForm is the code in the right-to-left, zero-filled form of QCVN
// 102:2016 (used in TT 01/2018 dossier codes), or "" for a code that has no
// such form because a group is wider than that standard allows.
func (c Code) LegacyForm() string {
	s, err := c.RightToLeft()
	if err != nil {
		return ""
	}
	return s
}
