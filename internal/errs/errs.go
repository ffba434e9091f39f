// Package errs defines the small set of error kinds every Motcua service
// returns, so that the edges (HTML pages, the JSON API, the command line) can
// map a failure to a status and a message in the user's language in exactly
// one place.
//
// A domain error carries a message key from the locale catalogue rather than
// an English sentence: the service does not know the user's language, the
// edge does.
package errs

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Kind classifies an error by what the caller can do about it.
type Kind uint8

// The kinds, in the order of DESIGN.md §2.
const (
	Internal        Kind = iota // a bug or an outage: log it, apologise, retry later
	Invalid                     // the input is wrong: show the field errors
	NotFound                    // no such object (or the caller may not know it exists)
	Conflict                    // the object changed or already exists
	Forbidden                   // the caller is known but may not do this
	Unauthenticated             // the caller must sign in first
	RateLimited                 // too many attempts: wait
)

var kindNames = [...]string{
	Internal:        "internal",
	Invalid:         "invalid",
	NotFound:        "not_found",
	Conflict:        "conflict",
	Forbidden:       "forbidden",
	Unauthenticated: "unauthenticated",
	RateLimited:     "rate_limited",
}

// String returns the stable machine-readable name used in the JSON API.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Msg is a message key from the locale catalogue with its arguments.
type Msg struct {
	Key  string
	Args []any
}

// Error is the error type of every service method.
type Error struct {
	Op     string         // the operation that failed, e.g. "agency.Create"
	Kind   Kind           // what kind of failure
	Msg    Msg            // user-facing message key; empty means the kind's default
	Fields map[string]Msg // per-field problems for Invalid
	Err    error          // the underlying cause, never shown to users
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Kind.String())
	if e.Msg.Key != "" {
		b.WriteString(" (")
		b.WriteString(e.Msg.Key)
		b.WriteString(")")
	}
	if len(e.Fields) > 0 {
		b.WriteString(" fields:")
		for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
			fmt.Fprintf(&b, " %s=%s", k, e.Fields[k].Key)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error of the given kind with a message key and its arguments.
func E(op string, kind Kind, key string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Msg: Msg{Key: key, Args: args}}
}

// Wrap attaches an operation to err. An *Error keeps its kind and message; any
// other error becomes Internal, because an error the service did not classify
// is by definition one the user cannot fix.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Op = op
		c.Err = err
		if e.Op == "" {
			c.Err = e.Err
		}
		return &c
	}
	return &Error{Op: op, Kind: Internal, Err: err}
}

// KindOf reports the kind of err; errors that are not *Error are Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// As returns the outermost *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Validation collects field errors so that a form shows every problem at
// once instead of one per submission.
type Validation struct {
	fields map[string]Msg
}

// Add records a problem with field unless one is already recorded: the
// first problem found is the one the user should fix first.
func (v *Validation) Add(field, key string, args ...any) {
	if v.fields == nil {
		v.fields = make(map[string]Msg)
	}
	if _, ok := v.fields[field]; !ok {
		v.fields[field] = Msg{Key: key, Args: args}
	}
}

// Has reports whether field already has a problem.
func (v *Validation) Has(field string) bool { _, ok := v.fields[field]; return ok }

// OK reports whether no problem was recorded.
func (v *Validation) OK() bool { return len(v.fields) == 0 }

// Err returns an Invalid error listing the fields, or nil.
func (v *Validation) Err(op string) error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Op: op, Kind: Invalid, Msg: Msg{Key: "error.invalid"}, Fields: v.fields}
}

// HTTPStatus is the status code the HTML and JSON edges answer with for
// the kind: the one mapping from error kinds to HTTP.
func (k Kind) HTTPStatus() int {
	switch k {
	case Invalid:
		return 422
	case NotFound:
		return 404
	case Conflict:
		return 409
	case Forbidden:
		return 403
	case Unauthenticated:
		return 401
	case RateLimited:
		return 429
	}
	return 500
}

// MessageKey returns the locale key of err's message: the error's own, or
// the kind's default.
func MessageKey(err error) (string, []any) {
	if e, ok := As(err); ok && e.Msg.Key != "" {
		return e.Msg.Key, e.Msg.Args
	}
	return "error." + KindOf(err).String(), nil
}
