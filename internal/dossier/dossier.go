package dossier

import (
	"time"

	"github.com/motcua/motcua/internal/catalog"
)

// Applicant is who applies: a citizen, or a representative of an
// organisation.
type Applicant struct {
	Type       string `json:"type"` // catalog.ApplicantTypes
	NationalID string `json:"national_id,omitempty"`
	FullName   string `json:"full_name"`
	BirthDate  string `json:"birth_date,omitempty"`
	Address    string `json:"address,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	OrgName    string `json:"org_name,omitempty"`
	OrgTaxCode string `json:"org_tax_code,omitempty"`
}

// File is a document attached to a dossier.
type File struct {
	ID            int64
	Kind          string // component, form01 … form06, result, supplement
	ComponentCode string
	Name          string
	SHA256        string
	Size          int64
	ContentType   string
	Digitized     bool
	Reused        bool
	CreatedAt     time.Time
}

// Event is one recorded change of a dossier.
type Event struct {
	ID        int64
	At        time.Time
	ActorKind string
	ActorName string
	Action    string
	From, To  Status
	Step      int
	Comment   string
	DueBefore time.Time
	DueAfter  time.Time
	Data      map[string]any
}

// Dossier is one application.
type Dossier struct {
	ID               int64
	Code             string // "" until accepted
	ProcedureCode    string
	ProcedureVersion int
	CaseCode         string
	ProcedureName    string
	Status           Status
	Channel          string
	Applicant        Applicant
	Form             map[string]string
	ReceivingAgency  int64
	ProcessingAgency int64
	Step             int   // index into the case's process; -1 before acceptance
	StepAgency       int64 // the agency of the current step when the process names one (inter-agency), else 0
	AssigneeID       int64
	LastHandlerID    int64
	SubmittedAt      time.Time
	ReceivedAt       time.Time
	DueAt            time.Time
	OriginalDueAt    time.Time
	StepDueAt        time.Time
	Extended         bool
	PausedAt         time.Time
	FinishedAt       time.Time
	ReturnedAt       time.Time
	Timeliness       Timeliness
	ResultKind       string
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Files            []File
	Events           []Event
}

// Public is what anybody holding a dossier's code may see: no personal data.
type Public struct {
	Code          string
	ProcedureCode string
	ProcedureName string
	Status        Status
	External      int
	ReceivedAt    time.Time
	DueAt         time.Time
	FinishedAt    time.Time
	ReturnedAt    time.Time
}

// CaseOf returns the dossier's case in a procedure version.
func CaseOf(v catalog.Version, code string) (*catalog.Case, bool) {
	for i := range v.Doc.Cases {
		if v.Doc.Cases[i].Code == code {
			return &v.Doc.Cases[i], true
		}
	}
	return nil, false
}
