package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindsSurviveWrapping(t *testing.T) {
	base := E("agency.Create", Conflict, "error.stale")
	wrapped := fmt.Errorf("outer: %w", Wrap("web.save", base))
	if KindOf(wrapped) != Conflict {
		t.Errorf("KindOf = %v, want conflict", KindOf(wrapped))
	}
	if k, _ := MessageKey(wrapped); k != "error.stale" {
		t.Errorf("MessageKey = %q", k)
	}
	if KindOf(errors.New("disk on fire")) != Internal {
		t.Error("an unclassified error must be internal")
	}
	if k, _ := MessageKey(errors.New("x")); k != "error.internal" {
		t.Errorf("default key = %q", k)
	}
	if Wrap("x", nil) != nil {
		t.Error("Wrap(nil) must be nil")
	}
}

func TestValidation(t *testing.T) {
	var v Validation
	if v.Err("op") != nil || !v.OK() {
		t.Fatal("empty validation must be OK")
	}
	v.Add("code", "agency.code.charset")
	v.Add("code", "agency.code.duplicate") // the first problem wins
	v.Add("name_vi", "field.required")
	err := v.Err("agency.Create")
	e, ok := As(err)
	if !ok || e.Kind != Invalid || e.Fields["code"].Key != "agency.code.charset" || len(e.Fields) != 2 {
		t.Fatalf("Err = %#v", err)
	}
	if e.Kind.HTTPStatus() != 422 {
		t.Errorf("status = %d", e.Kind.HTTPStatus())
	}
}

func TestStatuses(t *testing.T) {
	want := map[Kind]int{Internal: 500, Invalid: 422, NotFound: 404, Conflict: 409, Forbidden: 403, Unauthenticated: 401, RateLimited: 429}
	for k, s := range want {
		if k.HTTPStatus() != s {
			t.Errorf("%v.HTTPStatus() = %d, want %d", k, k.HTTPStatus(), s)
		}
	}
}
