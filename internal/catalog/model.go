// Package catalog holds the catalogue of administrative procedures (thủ tục
// hành chính): what a citizen must do, where, how long it takes, what it
// costs, which documents to bring, the online form, and the internal
// process an agency follows — in versions, so that a dossier always points
// at the rules it was filed under.
//
// The model follows ND 63/2010 Điều 8 and the fields of the national
// procedure database. A version's content is one Document, stored whole
// and frozen at publication; the searchable and filterable facts are
// copied out of it into indexed columns.
package catalog

import "time"

// Format identifies the JSON exchange format (docs/catalog-format.md).
const Format = "motcua-catalog/1"

// Bundle is the unit of import and export: fields and procedures.
type Bundle struct {
	Format     string     `json:"format"`
	Fields     []Field    `json:"fields"`
	Procedures []Document `json:"procedures"`
}

// Field is a domain of administration (lĩnh vực), e.g. Hộ tịch.
type Field struct {
	Code   string `json:"code"`
	NameVI string `json:"name_vi"`
	NameEN string `json:"name_en,omitempty"`
}

// Applicant types (DESIGN §3.3).
const (
	ApplicantCitizen   = "citizen"
	ApplicantBusiness  = "business"
	ApplicantStateBody = "state_body"
	ApplicantOtherOrg  = "other_org"
)

// ApplicantTypes lists them in display order.
var ApplicantTypes = []string{ApplicantCitizen, ApplicantBusiness, ApplicantStateBody, ApplicantOtherOrg}

// Online levels.
const (
	OnlineFull    = "full"    // dịch vụ công trực tuyến toàn trình
	OnlinePartial = "partial" // dịch vụ công trực tuyến một phần
	OnlineNone    = "none"    // không trực tuyến
)

// OnlineLevels lists them, most online first.
var OnlineLevels = []string{OnlineFull, OnlinePartial, OnlineNone}

// Levels of government a procedure is carried out at; "district" remains
// for procedures and dossiers from before July 2025.
var Levels = []string{"central", "province", "district", "commune"}

// Channels a dossier can arrive by.
var Channels = []string{"counter", "post", "online"}

// Document is the whole content of one version of a procedure.
type Document struct {
	Code        string   `json:"code"` // national code d.dddddd, optionally with a local suffix
	NameVI      string   `json:"name_vi"`
	NameEN      string   `json:"name_en,omitempty"`
	Field       string   `json:"field"` // Field.Code
	Levels      []string `json:"levels"`
	AgencyText  string   `json:"agency_text,omitempty"` // who implements it, as the national database words it
	Agencies    []string `json:"agencies"`              // implementing agencies here, by electronic code
	Receivers   []string `json:"receivers,omitempty"`   // where dossiers are received, by code (default: Agencies)
	Applicants  []string `json:"applicants"`            // ApplicantTypes
	OnlineLevel string   `json:"online_level"`          // OnlineLevels
	Steps       string   `json:"steps"`                 // trình tự thực hiện
	Conditions  string   `json:"conditions,omitempty"`  // yêu cầu, điều kiện
	Results     []Result `json:"results"`               // kết quả
	LegalBasis  []Legal  `json:"legal_basis"`           // căn cứ pháp lý
	Publication string   `json:"publication,omitempty"` // quyết định công bố
	Description string   `json:"description,omitempty"` // a plain-language summary for citizens
	Cases       []Case   `json:"cases"`
}

// Result is what the applicant receives.
type Result struct {
	NameVI   string `json:"name_vi"`
	NameEN   string `json:"name_en,omitempty"`
	Kind     string `json:"kind,omitempty"`     // e.g. certificate, licence, extract, decision
	Validity string `json:"validity,omitempty"` // e.g. "không thời hạn", "12 tháng"
}

// Legal is one document of the legal basis.
type Legal struct {
	Number string `json:"number"` // e.g. 60/2014/QH13
	Title  string `json:"title"`
	Date   string `json:"date,omitempty"` // YYYY-MM-DD of issue
}

// Duration is a processing time or a step's duration.
type Duration struct {
	Value int    `json:"value"`
	Unit  string `json:"unit"` // working_days, working_hours, within_day
}

// Duration units.
const (
	WorkingDays  = "working_days"
	WorkingHours = "working_hours"
	WithinDay    = "within_day" // trong ngày làm việc
)

// WorkingDayHours is the length of a standard working day, used to compare
// step durations with a legal time given in days.
const WorkingDayHours = 8

// Hours converts d to working hours on a standard working day.
func (d Duration) Hours() int {
	switch d.Unit {
	case WorkingDays:
		return d.Value * WorkingDayHours
	case WorkingHours:
		return d.Value
	case WithinDay:
		return WorkingDayHours
	}
	return 0
}

// Case is one situation within a procedure (trường hợp), with its own
// time, fees, documents, form and process.
type Case struct {
	Code       string      `json:"code"`
	NameVI     string      `json:"name_vi"`
	NameEN     string      `json:"name_en,omitempty"`
	Time       Duration    `json:"time"`
	TimeNote   string      `json:"time_note,omitempty"`
	Channels   []string    `json:"channels"`
	Fees       []Fee       `json:"fees"`
	Components []Component `json:"components"`
	Form       []FormField `json:"form"`
	Process    []Step      `json:"process"`
}

// Fee is a fee (phí) or charge (lệ phí).
type Fee struct {
	Kind          string `json:"kind"` // fee (phí) or charge (lệ phí)
	NameVI        string `json:"name_vi"`
	NameEN        string `json:"name_en,omitempty"`
	AmountVND     int64  `json:"amount_vnd"`
	Rule          string `json:"rule,omitempty"`      // e.g. "mỗi bản sao" — what the amount is per
	Exemption     string `json:"exemption,omitempty"` // who is exempt
	PayableOnline bool   `json:"payable_online"`
}

// Component is a document of the dossier (thành phần hồ sơ).
type Component struct {
	Code      string `json:"code"`
	NameVI    string `json:"name_vi"`
	NameEN    string `json:"name_en,omitempty"`
	Required  bool   `json:"required"`
	Originals int    `json:"originals"`
	Copies    int    `json:"copies"`
	// Template names the blank form to download: "form" for the case's
	// own e-form printed blank, or "" for none.
	Template string `json:"template,omitempty"`
	// Source says where the platform may take it from instead of the
	// applicant: "" (the applicant), "national_db" (a national database,
	// e.g. population), "data_store" (the applicant's data store).
	Source string `json:"source,omitempty"`
}

// Component sources.
var Sources = []string{"", "national_db", "data_store"}

// FormField is one field of the online application form.
type FormField struct {
	Name     string   `json:"name"` // machine name, [a-z][a-z0-9_]*
	LabelVI  string   `json:"label_vi"`
	LabelEN  string   `json:"label_en,omitempty"`
	Type     string   `json:"type"` // FieldTypes
	Required bool     `json:"required"`
	Pattern  string   `json:"pattern,omitempty"` // a Go regular expression the value must match in full
	Options  []string `json:"options,omitempty"` // for select
	Prefill  string   `json:"prefill,omitempty"` // PrefillSources
	HelpVI   string   `json:"help_vi,omitempty"`
	HelpEN   string   `json:"help_en,omitempty"`
}

// FieldTypes are the kinds of form field.
var FieldTypes = []string{"text", "textarea", "date", "number", "select", "email", "tel", "national_id", "checkbox"}

// PrefillSources are what a field may be filled from.
var PrefillSources = []string{"", "applicant.full_name", "applicant.national_id", "applicant.birth_date", "applicant.gender",
	"applicant.address", "applicant.phone", "applicant.email"}

// Step is one step of the internal process.
type Step struct {
	NameVI   string   `json:"name_vi"`
	NameEN   string   `json:"name_en,omitempty"`
	Role     string   `json:"role"`           // an authz role
	Unit     string   `json:"unit,omitempty"` // agency code acting; "" = the implementing agency
	Duration Duration `json:"duration"`
}

// Status of a version.
const (
	Draft      = "draft"
	Published  = "published"
	Superseded = "superseded" // a later version was published
	Withdrawn  = "withdrawn"  // the procedure was withdrawn (bãi bỏ) while this version was current
)

// Version is a stored version of a procedure.
type Version struct {
	ID          int64
	ProcedureID int64
	Number      int
	Status      string
	Doc         Document
	CreatedAt   time.Time
	CreatedBy   string
	PublishedAt time.Time
	PublishedBy string
}
