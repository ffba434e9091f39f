// Package authz decides who may do what: a pure function of a principal, an
// action and the object acted on, used by every service method.
//
// Officials hold roles granted at an agency, and some roles reach the
// agency's whole sub-tree. Agencies are identified here by their
// materialised path ("/1/5/12/"), so "is this object inside that grant"
// is a prefix test with no database round trip.
package authz

import (
	"context"
	"slices"
	"strings"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/errs"
)

// Role is a job an official does at an agency.
type Role string

// The roles of DESIGN.md and issue 2.
const (
	PlatformAdmin    Role = "platform-admin"
	AgencyAdmin      Role = "agency-admin"
	ReceptionOfficer Role = "reception-officer"
	Specialist       Role = "specialist"
	UnitHead         Role = "unit-head"
	Leader           Role = "leader"
)

// Roles lists every role in display order.
var Roles = []Role{PlatformAdmin, AgencyAdmin, ReceptionOfficer, Specialist, UnitHead, Leader}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// DefaultSubtree reports whether a grant of r reaches the agency's
// sub-tree unless said otherwise: administrators and leaders oversee what
// is below them; officers, specialists and unit heads work in their own unit.
func (r Role) DefaultSubtree() bool {
	return r == PlatformAdmin || r == AgencyAdmin || r == Leader
}

// Kind is the kind of principal.
type Kind uint8

// The kinds of principal.
const (
	Anonymous Kind = iota
	Official       // a person with an account in an agency
	System         // an external system with an API token
	Citizen        // a citizen or business representative signed in with e-ID
	Operator       // someone at the server's command line (motcua user add …)
)

// Grant is a role held at an agency.
type Grant struct {
	Role       Role
	AgencyID   int64
	AgencyCode string
	AgencyPath string
	Subtree    bool
}

// Covers reports whether the grant reaches an object of the agency at path.
func (g Grant) Covers(path string) bool {
	if path == "" {
		return false
	}
	return path == g.AgencyPath || (g.Subtree && strings.HasPrefix(path, g.AgencyPath))
}

// Principal is whoever makes a request.
type Principal struct {
	Kind       Kind
	ID         int64  // account or citizen id
	Username   string // accounts
	Name       string
	AgencyID   int64 // the account's home agency
	AgencyCode string
	AgencyName string
	NationalID string // citizens
	Grants     []Grant
}

// AnonymousPrincipal is the principal of a request nobody signed.
var AnonymousPrincipal = &Principal{Kind: Anonymous}

// Authenticated reports whether somebody signed in.
func (p *Principal) Authenticated() bool { return p != nil && p.Kind != Anonymous }

// IsStaff reports whether p is an official or a system account.
func (p *Principal) IsStaff() bool { return p != nil && (p.Kind == Official || p.Kind == System) }

// Has reports whether p holds role r anywhere.
func (p *Principal) Has(r Role) bool {
	return p != nil && slices.ContainsFunc(p.Grants, func(g Grant) bool { return g.Role == r })
}

// Actor returns p as an audit actor.
func (p *Principal) Actor() audit.Actor {
	switch {
	case p == nil || p.Kind == Anonymous:
		return audit.Actor{Kind: "anonymous"}
	case p.Kind == Citizen:
		return audit.Actor{Kind: "citizen", ID: p.ID, Name: p.Name}
	case p.Kind == Operator:
		return audit.Actor{Kind: "cli", Name: p.Name}
	default:
		return audit.Actor{Kind: "account", ID: p.ID, Name: p.Username}
	}
}

// Action is something a principal wants to do.
type Action string

// Actions of the foundation. Later domains add theirs to the policy.
const (
	BackOffice     Action = "backoffice.enter" // see the back office at all
	ManageAgency   Action = "agency.manage"    // create, edit, move agencies
	ManageAccounts Action = "account.manage"   // create officials, grant roles, issue tokens
	ManageCalendar Action = "calendar.manage"  // holidays and make-up days
	ReadAudit      Action = "audit.read"
	ReadCitizen    Action = "citizen.read"   // a citizen's personal data
	ManageCatalog  Action = "catalog.manage" // draft, publish, withdraw, import procedures
	ReadDossier    Action = "dossier.read"   // see a dossier and its applicant's data
	ReceiveDossier Action = "dossier.receive"
	ProcessDossier Action = "dossier.process"
	ReadStats      Action = "report.read" // statistics, the 766 index, periodic reports (aggregates, no personal data)
	EditReport     Action = "report.edit" // fill in and submit a periodic report
	SignReport     Action = "report.sign" // sign a periodic report off
)

// policy says which roles may perform an action within their grant's scope.
var policy = map[Action][]Role{
	BackOffice:     Roles,
	ManageAgency:   {PlatformAdmin, AgencyAdmin},
	ManageAccounts: {PlatformAdmin, AgencyAdmin},
	ManageCalendar: {PlatformAdmin, AgencyAdmin},
	ReadAudit:      {PlatformAdmin},
	ReadCitizen:    {PlatformAdmin, ReceptionOfficer, Specialist, UnitHead, Leader},
	ManageCatalog:  {PlatformAdmin, AgencyAdmin},
	// Dossiers hold citizens' personal data: only the people who work on
	// them, never the administrators of the platform as such.
	ReadDossier:    {ReceptionOfficer, Specialist, UnitHead, Leader},
	ReceiveDossier: {ReceptionOfficer},
	ProcessDossier: {Specialist, UnitHead, Leader, ReceptionOfficer},
	ReadStats:      {PlatformAdmin, AgencyAdmin, ReceptionOfficer, Specialist, UnitHead, Leader},
	EditReport:     {AgencyAdmin, UnitHead, Leader},
	SignReport:     {Leader},
}

// Object is what an action is performed on. AgencyPath "" means the object
// belongs to the whole platform (a national holiday, the root of the tree):
// only a platform administrator's grant reaches it. OwnerNationalID makes a
// citizen the owner of the object.
type Object struct {
	AgencyPath      string
	OwnerNationalID string
}

// Can reports whether p may perform a on o.
func Can(p *Principal, a Action, o Object) bool {
	if p == nil {
		return false
	}
	switch p.Kind {
	case Operator:
		// The command line runs with the server's own authority: whoever can
		// run it can already read the database directly.
		return true
	case Citizen:
		return o.OwnerNationalID != "" && o.OwnerNationalID == p.NationalID
	case Official, System:
		allowed := policy[a]
		for _, g := range p.Grants {
			if !slices.Contains(allowed, g.Role) {
				continue
			}
			if g.Role == PlatformAdmin || g.Covers(o.AgencyPath) || (a == BackOffice && o.AgencyPath == "") {
				return true
			}
		}
	}
	return false
}

// CanSomewhere reports whether p may perform a on something at all: a cheap
// first check, so that those who may not act learn nothing from validation
// errors about objects they cannot see.
func CanSomewhere(p *Principal, a Action) bool {
	if p == nil {
		return false
	}
	if p.Kind == Operator {
		return true
	}
	if p.Kind != Official && p.Kind != System {
		return false
	}
	for _, g := range p.Grants {
		if slices.Contains(policy[a], g.Role) {
			return true
		}
	}
	return false
}

// Authorize returns nil if p may perform a on o, and otherwise an
// Unauthenticated error for anonymous callers (so the edge asks them to sign
// in) or a Forbidden one.
func Authorize(op string, p *Principal, a Action, o Object) error {
	if Can(p, a, o) {
		return nil
	}
	if !p.Authenticated() {
		return errs.E(op, errs.Unauthenticated, "error.unauthenticated")
	}
	return errs.E(op, errs.Forbidden, "error.forbidden")
}

type principalKey struct{}

// WithPrincipal returns a context carrying p, set once per request by the
// edge after authentication.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the request's principal, anonymous if none.
func PrincipalFrom(ctx context.Context) *Principal {
	if p, ok := ctx.Value(principalKey{}).(*Principal); ok && p != nil {
		return p
	}
	return AnonymousPrincipal
}
