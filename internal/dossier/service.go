package dossier

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// Catalog is what dossiers need from the procedure catalogue.
type Catalog interface {
	Published(ctx context.Context, code string, version int) (catalog.Version, error)
}

// Agencies is what dossiers need from the agency directory.
type Agencies interface {
	Get(ctx context.Context, id int64) (agency.Agency, error)
	ByCode(ctx context.Context, code string) (agency.Agency, error)
}

// Calendars builds an agency's working calendar.
type Calendars interface {
	Calendar(ctx context.Context, agencyID int64, hours []calendar.Span) (*calendar.Calendar, error)
}

// Blobs tells whether an uploaded file is stored, and its size.
type Blobs interface {
	Size(ctx context.Context, sha256 string) (int64, error)
}

// Notifier writes the applicant's notification of an event into the
// outbox, inside the event's transaction.
type Notifier interface {
	Notify(ctx context.Context, tx *db.Tx, topic string, d *Dossier, extra map[string]any) error
}

// Documents produces the documents that go with events (the receipt at
// acceptance, the supplement request, the refusal, the apology, the stop
// notice), stored and ready to be filed with the dossier in the event's
// transaction.
type Documents interface {
	OnEvent(ctx context.Context, d *Dossier, a Action, ev Event) ([]File, error)
}

// Config tunes the service.
type Config struct {
	MaxDossierBytes int64 // all files of one dossier
	Now             func() time.Time
}

// Service is the one way in to dossiers.
type Service struct {
	db        *db.DB
	audit     *audit.Log
	catalog   Catalog
	agencies  Agencies
	calendars Calendars
	blobs     Blobs
	notifier  Notifier
	documents Documents
	facts     FactsRecorder
	cfg       Config
}

// SetDocuments installs the producer of event documents (forms 01–05).
func (s *Service) SetDocuments(d Documents) { s.documents = d }

// NewService returns a Service.
func NewService(d *db.DB, log *audit.Log, cat Catalog, ags Agencies, cals Calendars, blobs Blobs, n Notifier, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxDossierBytes == 0 {
		cfg.MaxDossierBytes = 100 << 20
	}
	return &Service{db: d, audit: log, catalog: cat, agencies: ags, calendars: cals, blobs: blobs, notifier: n, cfg: cfg}
}

func (s *Service) now() time.Time { return s.cfg.Now() }

// clock returns the time rules of an agency.
func (s *Service) clock(ctx context.Context, a agency.Agency) (Clock, error) {
	var hours []calendar.Span
	if a.WorkingHours != "" {
		h, err := calendar.ParseHours(a.WorkingHours)
		if err == nil {
			hours = h
		}
	}
	c, err := s.calendars.Calendar(ctx, a.ID, hours)
	if err != nil {
		return Clock{}, err
	}
	return Clock{Cal: c, Cutoff: DefaultCutoff}, nil
}

// actor describes the principal in dossier events.
func actor(p *authz.Principal) (string, string) {
	a := p.Actor()
	if a.Kind == "citizen" {
		return "citizen", p.Name
	}
	return a.Kind, p.Name
}

var nationalIDRE = regexp.MustCompile(`^[0-9]{12}$`)

// validateForm checks the e-form values against the case's form: every
// required field, each value's type and pattern. Unknown fields are dropped.
func validateForm(v *errs.Validation, fields []catalog.FormField, values map[string]string) map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		val := strings.TrimSpace(values[f.Name])
		key := "form." + f.Name
		if val == "" {
			if f.Required {
				v.Add(key, "field.required")
			}
			continue
		}
		if len([]rune(val)) > 2000 {
			v.Add(key, "field.too_long", 2000)
			continue
		}
		switch f.Type {
		case "date":
			if _, err := time.Parse("2006-01-02", val); err != nil {
				v.Add(key, "field.date")
			}
		case "number":
			if _, err := strconv.ParseFloat(val, 64); err != nil {
				v.Add(key, "dossier.form.number")
			}
		case "email":
			if _, err := mail.ParseAddress(val); err != nil {
				v.Add(key, "field.email")
			}
		case "national_id":
			if !nationalIDRE.MatchString(val) {
				v.Add(key, "dossier.form.national_id")
			}
		case "select":
			if !slices.Contains(f.Options, val) {
				v.Add(key, "catalog.unknown_value", val)
			}
		}
		if f.Pattern != "" && !v.Has(key) {
			if re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`); err == nil && !re.MatchString(val) {
				v.Add(key, "dossier.form.pattern")
			}
		}
		out[f.Name] = val
	}
	return out
}

// processingAgency picks, among the procedure's implementing agencies, the
// one a dossier received at the receiving agency goes to: the receiver
// itself, else the implementing agency above it (a commune's service
// centre hands to its People's Committee), else the first one (the
// provincial centre hands to the department).
func (s *Service) processingAgency(ctx context.Context, doc catalog.Document, receiving agency.Agency) (agency.Agency, error) {
	var first agency.Agency
	for i, code := range doc.Agencies {
		a, err := s.agencies.ByCode(ctx, code)
		if err != nil {
			continue
		}
		if i == 0 {
			first = a
		}
		if a.ID == receiving.ID || strings.HasPrefix(receiving.Path, a.Path) {
			return a, nil
		}
	}
	if first.ID == 0 {
		return first, fmt.Errorf("procedure %s has no implementing agency here", doc.Code)
	}
	return first, nil
}

// receivers lists the codes of the agencies that receive dossiers of a
// procedure.
func receivers(doc catalog.Document) []string {
	if len(doc.Receivers) > 0 {
		return doc.Receivers
	}
	return doc.Agencies
}
