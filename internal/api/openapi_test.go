package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/report"
)

// This file checks the OpenAPI document the package serves against the
// handlers: first the document itself, then real responses against it.
//
// The schemas are checked by a validator for the subset of OpenAPI 3.0
// Schema Objects the document uses. It refuses every keyword it does not
// implement, so that a document that grows a oneOf or a format fails here
// instead of being waved through.

// ---------------------------------------------------------------------------
// The validator.

// schemaKeywords are the keywords the validator implements.
var schemaKeywords = map[string]bool{
	"$ref": true, "type": true, "nullable": true, "required": true, "properties": true,
	"additionalProperties": true, "items": true, "enum": true, "pattern": true,
	"minimum": true, "maximum": true, "maxLength": true, "allOf": true,
}

// annotationKeywords do not constrain values.
var annotationKeywords = map[string]bool{"description": true, "example": true, "default": true, "title": true}

var schemaTypes = map[string]bool{"object": true, "array": true, "string": true, "integer": true, "number": true, "boolean": true}

// validator validates JSON values, decoded with json.Decoder.UseNumber,
// against schemas of doc.
//
// With strict set, an object whose schema lists properties and says
// nothing about additionalProperties may have no other properties: a
// response field the document does not describe is a mismatch too. The
// properties of allOf branches count for each other, so that strictness
// works with composition.
type validator struct {
	doc    map[string]any
	strict bool
}

// Validate returns every problem of value against schema, each prefixed
// with the JSON path where it was found; nil when value is valid.
func (v *validator) Validate(schema, value any) []string {
	var out []string
	v.check(schema, value, "$", nil, &out, 0)
	return out
}

func (v *validator) check(s, val any, at string, siblings map[string]bool, out *[]string, depth int) {
	fail := func(format string, args ...any) { *out = append(*out, at+": "+fmt.Sprintf(format, args...)) }
	if depth > 50 {
		fail("schema nesting too deep ($ref cycle?)")
		return
	}
	m, ok := s.(map[string]any)
	if !ok {
		fail("schema is %T, not an object", s)
		return
	}
	for k := range m {
		if !schemaKeywords[k] && !annotationKeywords[k] {
			fail("unsupported schema keyword %q", k)
		}
	}
	if ref, ok := m["$ref"]; ok {
		// In OpenAPI 3.0 the siblings of $ref are ignored.
		target, err := v.resolve(ref)
		if err != nil {
			fail("%v", err)
			return
		}
		v.check(target, val, at, siblings, out, depth+1)
		return
	}
	typ, hasType := m["type"].(string)
	if _, present := m["type"]; present && (!hasType || !schemaTypes[typ]) {
		fail("bad type %v in schema", m["type"])
		return
	}
	if val == nil {
		if m["nullable"] == true {
			return
		}
		if hasType {
			fail("null where %s expected", typ)
			return
		}
	} else if hasType && !isType(val, typ) {
		fail("%s where %s expected", jsonType(val), typ)
		return
	}
	if enum, ok := m["enum"]; ok {
		list, ok := enum.([]any)
		if !ok {
			fail("enum is %T, not an array", enum)
		} else if !slices.ContainsFunc(list, func(e any) bool { return jsonEqual(e, val) }) {
			fail("%s is not one of %s", compact(val), compact(list))
		}
	}
	switch x := val.(type) {
	case string:
		if p, ok := m["pattern"]; ok {
			ps, _ := p.(string)
			re, err := regexp.Compile(ps)
			switch {
			case err != nil:
				fail("bad pattern %v: %v", p, err)
			case !re.MatchString(x):
				fail("%q does not match %s", x, ps)
			}
		}
		if ml, ok := m["maxLength"]; ok {
			n, ok := number(ml)
			switch {
			case !ok:
				fail("bad maxLength %v", ml)
			case float64(utf8.RuneCountInString(x)) > n:
				fail("%d characters, more than maxLength %v", utf8.RuneCountInString(x), ml)
			}
		}
	case json.Number:
		f, _ := number(x)
		if lim, ok := m["minimum"]; ok {
			if n, ok := number(lim); !ok {
				fail("bad minimum %v", lim)
			} else if f < n {
				fail("%s is less than minimum %v", x, lim)
			}
		}
		if lim, ok := m["maximum"]; ok {
			if n, ok := number(lim); !ok {
				fail("bad maximum %v", lim)
			} else if f > n {
				fail("%s is greater than maximum %v", x, lim)
			}
		}
	case map[string]any:
		v.checkObject(m, x, at, siblings, out, depth, fail)
	case []any:
		if items, ok := m["items"]; ok {
			for i, e := range x {
				v.check(items, e, fmt.Sprintf("%s[%d]", at, i), nil, out, depth+1)
			}
		}
	}
	if all, ok := m["allOf"]; ok {
		branches, ok := all.([]any)
		if !ok || len(branches) == 0 {
			fail("allOf must be a non-empty array")
			return
		}
		known := map[string]bool{}
		for k := range siblings {
			known[k] = true
		}
		v.propertyNames(m, known, depth)
		for _, b := range branches {
			v.check(b, val, at, known, out, depth+1)
		}
	}
}

func (v *validator) checkObject(m, obj map[string]any, at string, siblings map[string]bool, out *[]string, depth int, fail func(string, ...any)) {
	if req, ok := m["required"]; ok {
		names, ok := req.([]any)
		if !ok {
			fail("required is %T, not an array", req)
		}
		for _, n := range names {
			name, _ := n.(string)
			if _, ok := obj[name]; !ok {
				fail("missing required property %q", name)
			}
		}
	}
	props, _ := m["properties"].(map[string]any)
	if p, ok := m["properties"]; ok && props == nil {
		fail("properties is %T, not an object", p)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	addl, hasAddl := m["additionalProperties"]
	for _, k := range keys {
		if ps, ok := props[k]; ok {
			v.check(ps, obj[k], at+"."+k, nil, out, depth+1)
			continue
		}
		switch a := addl.(type) {
		case nil:
			if !hasAddl && v.strict && props != nil && !siblings[k] {
				fail("property %q is not in the document", k)
			}
		case bool:
			if !a {
				fail("additional property %q not allowed", k)
			}
		case map[string]any:
			v.check(a, obj[k], at+"."+k, nil, out, depth+1)
		default:
			fail("additionalProperties is %T", addl)
		}
	}
}

// propertyNames adds the names of the properties that schema s and its
// allOf branches declare.
func (v *validator) propertyNames(s any, into map[string]bool, depth int) {
	m, ok := s.(map[string]any)
	if !ok || depth > 50 {
		return
	}
	if ref, ok := m["$ref"]; ok {
		if t, err := v.resolve(ref); err == nil {
			v.propertyNames(t, into, depth+1)
		}
		return
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for k := range props {
			into[k] = true
		}
	}
	if all, ok := m["allOf"].([]any); ok {
		for _, b := range all {
			v.propertyNames(b, into, depth+1)
		}
	}
}

// resolve follows a local reference ("#/components/schemas/Agency").
func (v *validator) resolve(ref any) (any, error) {
	s, ok := ref.(string)
	if !ok {
		return nil, fmt.Errorf("$ref is %T, not a string", ref)
	}
	rest, ok := strings.CutPrefix(s, "#/")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not local to the document", s)
	}
	var cur any = v.doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("$ref %q does not resolve: no %q", s, tok)
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("$ref %q does not resolve: no index %q", s, tok)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("$ref %q does not resolve: %q is inside a %T", s, tok, cur)
		}
	}
	return cur, nil
}

// deref follows $ref until it reaches an object that is not a reference
// (for parameters, responses and schemas alike).
func (v *validator) deref(node any) (map[string]any, error) {
	for range 20 {
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%T where an object was expected", node)
		}
		ref, ok := m["$ref"]
		if !ok {
			return m, nil
		}
		next, err := v.resolve(ref)
		if err != nil {
			return nil, err
		}
		node = next
	}
	return nil, fmt.Errorf("$ref chain too long")
}

func isType(val any, typ string) bool {
	switch typ {
	case "object":
		_, ok := val.(map[string]any)
		return ok
	case "array":
		_, ok := val.([]any)
		return ok
	case "string":
		_, ok := val.(string)
		return ok
	case "boolean":
		_, ok := val.(bool)
		return ok
	case "number":
		_, ok := val.(json.Number)
		return ok
	case "integer":
		f, ok := number(val)
		_, isNum := val.(json.Number)
		return isNum && ok && f == math.Trunc(f) && !math.IsInf(f, 0)
	}
	return false
}

func jsonType(val any) string {
	switch val.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	}
	return fmt.Sprintf("%T", val)
}

func number(x any) (float64, bool) {
	switch n := x.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

func jsonEqual(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	return reflect.DeepEqual(a, b)
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// decodeJSON decodes exactly one JSON value, keeping numbers exact.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

func mustJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("bad JSON in test %q: %v", s, err)
	}
	return v
}

// TestValidator checks the validator itself, so that it cannot silently
// accept everything.
func TestValidator(t *testing.T) {
	doc := mustJSON(t, `{"components": {"schemas": {
		"Named": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
		"Loop": {"$ref": "#/components/schemas/Loop"},
		"Slash/Name": {"type": "boolean"}
	}}}`).(map[string]any)
	tests := []struct {
		schema, value string
		strict        bool
		want          string // "" for valid, else a substring of the first problem
	}{
		{`{"type": "string"}`, `"x"`, false, ""},
		{`{"type": "string"}`, `1`, false, "number where string expected"},
		{`{"type": "string"}`, `null`, false, "null where string expected"},
		{`{"type": "string", "nullable": true}`, `null`, false, ""},
		{`{"type": "string", "nullable": false}`, `null`, false, "null where string expected"},
		{`{"type": "integer"}`, `3`, false, ""},
		{`{"type": "integer"}`, `3.0`, false, ""},
		{`{"type": "integer"}`, `3.5`, false, "number where integer expected"},
		{`{"type": "integer"}`, `"3"`, false, "string where integer expected"},
		{`{"type": "number"}`, `3.5`, false, ""},
		{`{"type": "number"}`, `true`, false, "boolean where number expected"},
		{`{"type": "boolean"}`, `false`, false, ""},
		{`{"type": "boolean"}`, `0`, false, "number where boolean expected"},
		{`{"type": "object"}`, `{}`, false, ""},
		{`{"type": "object"}`, `[]`, false, "array where object expected"},
		{`{"type": "array"}`, `{}`, false, "object where array expected"},
		{`{"type": "thing"}`, `{}`, false, "bad type"},
		{`{}`, `null`, false, ""},
		{`{"type": "array", "items": {"type": "integer"}}`, `[1, 2]`, false, ""},
		{`{"type": "array", "items": {"type": "integer"}}`, `[1, "2"]`, false, "$[1]: string where integer expected"},
		{`{"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}`, `{"a": "x"}`, false, ""},
		{`{"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}`, `{}`, false, `missing required property "a"`},
		{`{"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "integer", "minimum": 1}}}}}`,
			`{"a": {"b": 0}}`, false, "$.a.b: 0 is less than minimum 1"},
		{`{"type": "object", "properties": {"a": {}}, "additionalProperties": false}`, `{"a": 1, "b": 2}`, false, `additional property "b" not allowed`},
		{`{"type": "object", "properties": {"a": {}}, "additionalProperties": true}`, `{"a": 1, "b": 2}`, true, ""},
		{`{"type": "object", "additionalProperties": {"type": "string"}}`, `{"x": "y"}`, false, ""},
		{`{"type": "object", "additionalProperties": {"type": "string"}}`, `{"x": 1}`, false, "$.x: number where string expected"},
		{`{"type": "object", "properties": {"a": {}}}`, `{"a": 1, "b": 2}`, false, ""},
		{`{"type": "object", "properties": {"a": {}}}`, `{"a": 1, "b": 2}`, true, `property "b" is not in the document`},
		{`{"type": "object"}`, `{"anything": 2}`, true, ""},
		{`{"type": "string", "enum": ["a", "b"]}`, `"b"`, false, ""},
		{`{"type": "string", "enum": ["a", "b"]}`, `"c"`, false, `"c" is not one of ["a","b"]`},
		{`{"type": "integer", "enum": [1, 2]}`, `2.0`, false, ""},
		{`{"type": "string", "pattern": "^[0-9]{12}$"}`, `"001090000123"`, false, ""},
		{`{"type": "string", "pattern": "^[0-9]{12}$"}`, `"00109000012"`, false, "does not match"},
		{`{"type": "string", "pattern": "("}`, `"x"`, false, "bad pattern"},
		{`{"type": "integer", "minimum": 1, "maximum": 200}`, `1`, false, ""},
		{`{"type": "integer", "minimum": 1, "maximum": 200}`, `200`, false, ""},
		{`{"type": "integer", "minimum": 1, "maximum": 200}`, `201`, false, "greater than maximum 200"},
		// maxLength counts characters, not bytes: "đđđ" is six bytes.
		{`{"type": "string", "maxLength": 3}`, `"đđđ"`, false, ""},
		{`{"type": "string", "maxLength": 3}`, `"abcd"`, false, "4 characters, more than maxLength 3"},
		{`{"$ref": "#/components/schemas/Named"}`, `{"name": "x"}`, false, ""},
		{`{"$ref": "#/components/schemas/Named"}`, `{"name": 1}`, false, "$.name: number where string expected"},
		{`{"$ref": "#/components/schemas/Slash~1Name"}`, `true`, false, ""},
		{`{"$ref": "#/components/schemas/Nope"}`, `{}`, false, "does not resolve"},
		{`{"$ref": "other.json#/x"}`, `{}`, false, "not local"},
		{`{"$ref": "#/components/schemas/Loop"}`, `{}`, false, "too deep"},
		{`{"allOf": [{"$ref": "#/components/schemas/Named"}, {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}]}`,
			`{"name": "x", "n": 1}`, true, ""},
		{`{"allOf": [{"$ref": "#/components/schemas/Named"}, {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}]}`,
			`{"name": "x"}`, false, `missing required property "n"`},
		{`{"allOf": [{"$ref": "#/components/schemas/Named"}, {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}]}`,
			`{"n": 1}`, false, `missing required property "name"`},
		{`{"allOf": [{"$ref": "#/components/schemas/Named"}, {"type": "object", "properties": {"n": {"type": "integer"}}}]}`,
			`{"name": "x", "n": 1, "extra": true}`, true, `property "extra" is not in the document`},
		{`{"allOf": []}`, `{}`, false, "non-empty"},
		{`{"oneOf": [{"type": "string"}]}`, `"x"`, false, `unsupported schema keyword "oneOf"`},
		{`{"type": "string", "format": "date-time"}`, `"x"`, false, `unsupported schema keyword "format"`},
		{`{"type": "string", "description": "d", "example": "e", "default": "f", "title": "t"}`, `"x"`, false, ""},
		{`"string"`, `"x"`, false, "schema is string"},
	}
	for _, tt := range tests {
		v := &validator{doc: doc, strict: tt.strict}
		got := v.Validate(mustJSON(t, tt.schema), mustJSON(t, tt.value))
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("Validate(%s, %s, strict=%v) = %q, want valid", tt.schema, tt.value, tt.strict, got)
		case tt.want != "" && len(got) == 0:
			t.Errorf("Validate(%s, %s, strict=%v) accepted the value, want %q", tt.schema, tt.value, tt.strict, tt.want)
		case tt.want != "" && !strings.Contains(got[0], tt.want):
			t.Errorf("Validate(%s, %s, strict=%v) = %q, want %q", tt.schema, tt.value, tt.strict, got, tt.want)
		}
	}
}

// TestValidatorOnDocumentSchemas runs the validator with the real
// document on hand-made bodies: a correct one and broken variants.
func TestValidatorOnDocumentSchemas(t *testing.T) {
	doc := loadDoc(t)
	v := &validator{doc: doc, strict: true}
	agencySchema := mustJSON(t, `{"$ref": "#/components/schemas/Agency"}`)
	good := `{"code": "H26.12", "code_legacy": "000.00.12.H26", "parent_code": "H26", "kind": "department", "tier": "province",
		"depth": 2, "name_vi": "Sở Tư pháp", "name_en": "", "short_name": "", "admin_unit_code": null, "address": "",
		"phone": "", "email": "", "working_hours": "", "active": true}`
	if probs := v.Validate(agencySchema, mustJSON(t, good)); len(probs) > 0 {
		t.Fatalf("a correct agency was rejected: %q", probs)
	}
	mutations := []struct {
		name   string
		mutate func(m map[string]any)
		want   string
	}{
		{"missing code", func(m map[string]any) { delete(m, "code") }, `missing required property "code"`},
		{"missing nullable field", func(m map[string]any) { delete(m, "admin_unit_code") }, `missing required property "admin_unit_code"`},
		{"unknown kind", func(m map[string]any) { m["kind"] = "ministry" }, `$.kind: "ministry" is not one of`},
		{"depth 0", func(m map[string]any) { m["depth"] = json.Number("0") }, "$.depth: 0 is less than minimum 1"},
		{"fractional depth", func(m map[string]any) { m["depth"] = json.Number("1.5") }, "$.depth: number where integer expected"},
		{"numeric legacy code", func(m map[string]any) { m["code_legacy"] = json.Number("5") }, "$.code_legacy: number where string expected"},
		{"null name", func(m map[string]any) { m["name_vi"] = nil }, "$.name_vi: null where string expected"},
		{"active as string", func(m map[string]any) { m["active"] = "true" }, "$.active: string where boolean expected"},
		{"undocumented field", func(m map[string]any) { m["version"] = json.Number("1") }, `property "version" is not in the document`},
	}
	for _, mu := range mutations {
		m := mustJSON(t, good).(map[string]any)
		mu.mutate(m)
		probs := v.Validate(agencySchema, m)
		if len(probs) != 1 || !strings.Contains(probs[0], mu.want) {
			t.Errorf("%s: problems %q, want exactly one containing %q", mu.name, probs, mu.want)
		}
	}
	others := []struct {
		schema, body, want string
	}{
		{"AgencyList", `{"items": [{"code": "H26"}], "total": 1}`, `$.items[0]: missing required property "code_legacy"`},
		{"AgencyList", `{"items": [], "total": -1}`, "$.total: -1 is less than minimum 0"},
		{"AdminUnitDetail", `{"code": "00004", "name": "Phường Ba Đình", "kind": "ward", "province_code": "01", "formed_from": []}`, ""},
		{"AdminUnitDetail", `{"code": "00004", "name": "Phường Ba Đình", "kind": "ward", "province_code": "01"}`, `missing required property "formed_from"`},
		{"AdminUnitDetail", `{"code": "00004", "name": "Phường Ba Đình", "kind": "district", "province_code": "01", "formed_from": []}`, `$.kind: "district" is not one of`},
		{"AdminUnitDetail", `{"code": "00004", "name": "P", "kind": "ward", "province_code": "01", "formed_from": [{"code": "00001", "name": "P", "partial": "no"}]}`,
			"$.formed_from[0].partial: string where boolean expected"},
		{"Me", `{"kind": "citizen", "name": "A", "national_id": "00109000012x"}`, "$.national_id:"},
		{"Me", `{"kind": "official", "name": "A", "roles": [{"role": "king", "agency_code": "H26", "subtree": true}]}`, `$.roles[0].role: "king" is not one of`},
		{"Error", `{"error": {"code": "teapot", "message": "x"}}`, `$.error.code: "teapot" is not one of`},
		{"Error", `{"error": {"code": "invalid", "message": "x", "fields": {"limit": 5}}}`, "$.error.fields.limit: number where string expected"},
		{"Error", `{"message": "x"}`, `missing required property "error"`},
		{"ProcedureList", `{"items": [], "total": 0, "page": 1, "per_page": 20, "pages": 0}`, ""},
		{"ProcedureList", `{"items": [], "total": 0, "page": 0, "per_page": 20, "pages": 0}`, "$.page: 0 is less than minimum 1"},
		{"Procedure", `{"code": "1.001193", "version": 1, "status": "draft", "published_at": null, "document": ` +
			compact(birthRegistration("H26.107")) + `}`, ""},
		{"Procedure", `{"code": "1.001193", "version": 1, "status": "archived", "published_at": null, "document": ` +
			compact(birthRegistration("H26.107")) + `}`, `$.status: "archived" is not one of`},
		{"Bundle", `{"format": "motcua-catalog/1", "fields": [], "procedures": [` + compact(withFee(birthRegistration("H26.107"), -1)) + `]}`,
			"$.procedures[0].cases[0].fees[0].amount_vnd: -1 is less than minimum 0"},
		{"DraftRequest", `{"lock": 0, "document": {"code": "1.001193"}}`, `$.document: missing required property`},
	}
	for _, o := range others {
		probs := v.Validate(mustJSON(t, `{"$ref": "#/components/schemas/`+o.schema+`"}`), mustJSON(t, o.body))
		switch {
		case o.want == "" && len(probs) > 0:
			t.Errorf("%s %s: problems %q, want valid", o.schema, o.body, probs)
		case o.want != "" && (len(probs) == 0 || !strings.Contains(probs[0], o.want)):
			t.Errorf("%s %s: problems %q, want %q", o.schema, o.body, probs, o.want)
		}
	}
}

// ---------------------------------------------------------------------------
// The document.

// loadDoc reads the document the package embeds and serves.
func loadDoc(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := decodeJSON(b)
	if err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("openapi.json is a %T, not an object", v)
	}
	return doc
}

// operation is one method of one path of the document.
type operation struct {
	path, method string // "/api/v1/agencies/{code}", "get"
	id           string
	op           map[string]any
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func operations(t testing.TB, doc map[string]any) []operation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok || len(paths) == 0 {
		t.Fatal("the document has no paths")
	}
	var ops []operation
	for _, p := range mapsKeys(paths) {
		item, ok := paths[p].(map[string]any)
		if !ok {
			t.Fatalf("path %s is a %T", p, paths[p])
		}
		for _, m := range httpMethods {
			if o, ok := item[m].(map[string]any); ok {
				id, _ := o["operationId"].(string)
				ops = append(ops, operation{path: p, method: m, id: id, op: o})
			}
		}
	}
	return ops
}

// mapsKeys returns the keys of m in order.
func mapsKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

func isAPIPath(p string) bool { return strings.HasPrefix(p, "/api/v1/") }

// parameters returns an operation's parameters, path-level ones first,
// with references resolved.
func parameters(t testing.TB, v *validator, o operation) []map[string]any {
	t.Helper()
	var out []map[string]any
	item := v.doc["paths"].(map[string]any)[o.path].(map[string]any)
	for _, list := range []any{item["parameters"], o.op["parameters"]} {
		ps, _ := list.([]any)
		for _, p := range ps {
			m, err := v.deref(p)
			if err != nil {
				t.Errorf("%s: parameter: %v", o.id, err)
				continue
			}
			out = append(out, m)
		}
	}
	return out
}

// walkSchemas calls fn on every schema in the document, nested ones
// included, with a description of where it is.
func walkSchemas(doc map[string]any, fn func(where string, s map[string]any)) {
	var walk func(where string, s any)
	walk = func(where string, s any) {
		m, ok := s.(map[string]any)
		if !ok {
			return
		}
		fn(where, m)
		if props, ok := m["properties"].(map[string]any); ok {
			for k, p := range props {
				walk(where+".properties."+k, p)
			}
		}
		if items, ok := m["items"]; ok {
			walk(where+".items", items)
		}
		if a, ok := m["additionalProperties"].(map[string]any); ok {
			walk(where+".additionalProperties", a)
		}
		if all, ok := m["allOf"].([]any); ok {
			for i, b := range all {
				walk(fmt.Sprintf("%s.allOf[%d]", where, i), b)
			}
		}
	}
	content := func(where string, r any) {
		rm, _ := r.(map[string]any)
		c, _ := rm["content"].(map[string]any)
		for mt, media := range c {
			mm, _ := media.(map[string]any)
			walk(where+".content."+mt+".schema", mm["schema"])
		}
	}
	comps, _ := doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for k, s := range schemas {
		walk("#/components/schemas/"+k, s)
	}
	params, _ := comps["parameters"].(map[string]any)
	for k, p := range params {
		pm, _ := p.(map[string]any)
		walk("#/components/parameters/"+k+".schema", pm["schema"])
	}
	resps, _ := comps["responses"].(map[string]any)
	for k, r := range resps {
		content("#/components/responses/"+k, r)
	}
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		im, _ := item.(map[string]any)
		for _, method := range httpMethods {
			o, ok := im[method].(map[string]any)
			if !ok {
				continue
			}
			ps, _ := o["parameters"].([]any)
			for i, prm := range ps {
				pm, _ := prm.(map[string]any)
				walk(fmt.Sprintf("%s %s parameters[%d].schema", method, p, i), pm["schema"])
			}
			rs, _ := o["responses"].(map[string]any)
			for code, r := range rs {
				content(fmt.Sprintf("%s %s responses.%s", method, p, code), r)
			}
			// A request body's JSON schema is the validator's; a binary
			// one (a workbook) is checked by TestOpenAPIDocument.
			rb, _ := o["requestBody"].(map[string]any)
			c, _ := rb["content"].(map[string]any)
			for mt, media := range c {
				if mt == "application/json" {
					mm, _ := media.(map[string]any)
					walk(fmt.Sprintf("%s %s requestBody.content.%s.schema", method, p, mt), mm["schema"])
				}
			}
		}
	}
}

var statusKey = regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]XX|default)$`)

// TestOpenAPIDocument checks the document on its own: it parses, is
// OpenAPI 3, every reference resolves, operation ids are unique, path
// templates and path parameters agree, every schema uses only what the
// validator implements, and every example fits its schema.
func TestOpenAPIDocument(t *testing.T) {
	doc := loadDoc(t)
	v := &validator{doc: doc}
	if ver, _ := doc["openapi"].(string); !regexp.MustCompile(`^3\.[0-9]+\.[0-9]+$`).MatchString(ver) {
		t.Errorf("openapi = %v, want 3.x.y", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if title, _ := info["title"].(string); title == "" {
		t.Error("info.title is missing")
	}
	if ver, _ := info["version"].(string); ver == "" {
		t.Error("info.version is missing")
	}

	// Every $ref anywhere resolves, and points into #/components/.
	refs := 0
	var walk func(where string, n any)
	walk = func(where string, n any) {
		switch x := n.(type) {
		case map[string]any:
			for k, c := range x {
				if k == "$ref" {
					refs++
					s, _ := c.(string)
					if !strings.HasPrefix(s, "#/components/") {
						t.Errorf("%s: $ref %v does not point into #/components/", where, c)
					}
					if _, err := v.resolve(c); err != nil {
						t.Errorf("%s: %v", where, err)
					}
					continue
				}
				walk(where+"/"+k, c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s/%d", where, i), c)
			}
		}
	}
	walk("#", doc)
	if refs == 0 {
		t.Error("found no $ref at all: the walk is broken")
	}

	ids := map[string]string{}
	apiOps := 0
	for _, o := range operations(t, doc) {
		where := strings.ToUpper(o.method) + " " + o.path
		if isAPIPath(o.path) {
			apiOps++
		}
		if o.id == "" {
			t.Errorf("%s has no operationId", where)
		} else if prev, dup := ids[o.id]; dup {
			t.Errorf("operationId %q is used by %s and %s", o.id, prev, where)
		} else {
			ids[o.id] = where
		}
		resps, _ := o.op["responses"].(map[string]any)
		if len(resps) == 0 {
			t.Errorf("%s documents no responses", where)
		}
		for code, r := range resps {
			if !statusKey.MatchString(code) {
				t.Errorf("%s: response key %q is not a status code", where, code)
			}
			rm, err := v.deref(r)
			if err != nil {
				t.Errorf("%s %s: %v", where, code, err)
				continue
			}
			if d, _ := rm["description"].(string); d == "" {
				t.Errorf("%s %s: response has no description", where, code)
			}
		}
		if rb, ok := o.op["requestBody"]; ok {
			checkRequestBodyDoc(t, v, where, o.method, rb)
		}
		// Path templates and path parameters agree both ways.
		inTemplate := map[string]bool{}
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(o.path, -1) {
			inTemplate[m[1]] = true
		}
		seen := map[string]bool{}
		for _, p := range parameters(t, v, o) {
			name, _ := p["name"].(string)
			in, _ := p["in"].(string)
			if seen[in+":"+name] {
				t.Errorf("%s: parameter %s in %s declared twice", where, name, in)
			}
			seen[in+":"+name] = true
			if _, ok := p["schema"]; !ok {
				t.Errorf("%s: parameter %s has no schema", where, name)
			}
			if in == "path" {
				if !inTemplate[name] {
					t.Errorf("%s: path parameter %s is not in the template", where, name)
				}
				if p["required"] != true {
					t.Errorf("%s: path parameter %s is not required: true", where, name)
				}
			}
			if ex, ok := p["example"]; ok {
				if probs := v.Validate(p["schema"], ex); len(probs) > 0 {
					t.Errorf("%s: example of parameter %s does not fit its schema: %q", where, name, probs)
				}
			}
		}
		for name := range inTemplate {
			if !seen["path:"+name] {
				t.Errorf("%s: {%s} is not declared as a path parameter", where, name)
			}
		}
	}
	if apiOps == 0 {
		t.Error("no operation under /api/v1/")
	}

	schemas := 0
	walkSchemas(doc, func(where string, s map[string]any) {
		schemas++
		for k := range s {
			if !schemaKeywords[k] && !annotationKeywords[k] {
				t.Errorf("%s: keyword %q is not supported by the validator of this test", where, k)
			}
		}
		if _, ok := s["nullable"]; ok {
			if _, typed := s["type"]; !typed {
				t.Errorf("%s: nullable without type", where)
			}
		}
		if p, ok := s["pattern"].(string); ok {
			if _, err := regexp.Compile(p); err != nil {
				t.Errorf("%s: pattern %q: %v", where, p, err)
			}
		}
		// A required property that is not described is almost always a typo.
		if req, ok := s["required"].([]any); ok {
			props, _ := s["properties"].(map[string]any)
			for _, r := range req {
				if _, ok := props[r.(string)]; !ok {
					t.Errorf("%s: required property %v is not among the properties", where, r)
				}
			}
		}
		if ex, ok := s["example"]; ok {
			if probs := v.Validate(s, ex); len(probs) > 0 {
				t.Errorf("%s: example %v does not fit: %q", where, compact(ex), probs)
			}
		}
	})
	if schemas < 20 {
		t.Errorf("walked only %d schemas: the walk is broken", schemas)
	}
}

// binarySchema is how the document describes a body that is a file.
const binarySchema = `{"type": "string", "format": "binary"}`

// checkRequestBodyDoc checks a documented request body: only on methods
// that take one, required, with content; JSON content has a schema (the
// walk of TestOpenAPIDocument checks it), anything else is a file.
func checkRequestBodyDoc(t *testing.T, v *validator, where, method string, rb any) {
	t.Helper()
	if method == "get" || method == "head" || method == "delete" {
		t.Errorf("%s: a request body on %s", where, method)
	}
	m, err := v.deref(rb)
	if err != nil {
		t.Errorf("%s: requestBody: %v", where, err)
		return
	}
	if m["required"] != true {
		t.Errorf("%s: requestBody is not required: true", where)
	}
	content, _ := m["content"].(map[string]any)
	if len(content) == 0 {
		t.Errorf("%s: requestBody has no content", where)
	}
	for mt, media := range content {
		mm, _ := media.(map[string]any)
		if mt == "application/json" {
			if _, ok := mm["schema"]; !ok {
				t.Errorf("%s: requestBody %s has no schema", where, mt)
			}
			continue
		}
		if mt == "multipart/form-data" {
			// A form of files: every part is a file.
			s, _ := mm["schema"].(map[string]any)
			props, _ := s["properties"].(map[string]any)
			if s["type"] != "object" || len(props) == 0 {
				t.Errorf("%s: requestBody %s: schema %s, want an object of parts", where, mt, compact(mm["schema"]))
			}
			for name, part := range props {
				if !jsonEqualDeep(part, mustJSON(t, binarySchema)) {
					t.Errorf("%s: requestBody %s: part %s: schema %s, want %s", where, mt, name, compact(part), binarySchema)
				}
			}
			continue
		}
		if !jsonEqualDeep(mm["schema"], mustJSON(t, binarySchema)) {
			t.Errorf("%s: requestBody %s: schema %s, want %s for a file", where, mt, compact(mm["schema"]), binarySchema)
		}
	}
}

func jsonEqualDeep(a, b any) bool { return compact(a) == compact(b) }

// docEnum returns the enum of the schema that pointer names.
func docEnum(t *testing.T, v *validator, pointer string) []string {
	t.Helper()
	s, err := v.resolve(pointer)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range s.(map[string]any)["enum"].([]any) {
		out = append(out, e.(string))
	}
	return out
}

// TestOpenAPIEnumsMatchCode compares the enumerations of the document with
// the values the code can produce, so that adding a kind or a role in Go
// without documenting it fails here.
func TestOpenAPIEnumsMatchCode(t *testing.T) {
	v := &validator{doc: loadDoc(t)}
	var kinds []string
	for _, k := range agency.Kinds {
		kinds = append(kinds, string(k))
	}
	var roles []string
	for _, r := range authz.Roles {
		roles = append(roles, string(r))
	}
	var errKinds []string
	for k := errs.Kind(0); !strings.HasPrefix(k.String(), "kind("); k++ {
		errKinds = append(errKinds, k.String())
	}
	var unitKinds []string
	for k := agency.AdminUnitKind(1); !strings.HasPrefix(k.String(), "AdminUnitKind("); k++ {
		unitKinds = append(unitKinds, k.String())
	}
	var boxes []string
	for _, b := range dossier.Boxes {
		boxes = append(boxes, string(b))
	}
	tests := []struct {
		pointer string
		code    []string
	}{
		{"#/components/schemas/Agency/properties/kind", kinds},
		{"#/components/schemas/Me/properties/roles/items/properties/role", roles},
		{"#/components/schemas/Error/properties/error/properties/code", errKinds},
		{"#/components/schemas/AdminUnit/properties/kind", unitKinds},

		{"#/components/schemas/Document/properties/levels/items", catalog.Levels},
		{"#/components/schemas/Document/properties/applicants/items", catalog.ApplicantTypes},
		{"#/components/schemas/Document/properties/online_level", catalog.OnlineLevels},
		{"#/components/schemas/ProcedureSummary/properties/online_level", catalog.OnlineLevels},
		{"#/components/schemas/Case/properties/channels/items", catalog.Channels},
		{"#/components/schemas/Component/properties/source", catalog.Sources},
		{"#/components/schemas/FormField/properties/type", catalog.FieldTypes},
		{"#/components/schemas/Step/properties/role", roles},
		{"#/components/schemas/Duration/properties/unit", []string{catalog.WorkingDays, catalog.WorkingHours, catalog.WithinDay}},
		{"#/components/schemas/Procedure/properties/status", []string{catalog.Draft, catalog.Published, catalog.Superseded, catalog.Withdrawn}},
		{"#/components/schemas/Bundle/properties/format", []string{catalog.Format}},
		{"#/paths/~1api~1v1~1procedures/get/parameters/" + paramIndex(t, v, "searchProcedures", "level") + "/schema", catalog.Levels},
		{"#/paths/~1api~1v1~1procedures/get/parameters/" + paramIndex(t, v, "searchProcedures", "applicant") + "/schema", catalog.ApplicantTypes},
		{"#/paths/~1api~1v1~1procedures/get/parameters/" + paramIndex(t, v, "searchProcedures", "online") + "/schema", catalog.OnlineLevels},

		{"#/components/schemas/Dossier/properties/status", dossierStatuses},
		{"#/components/schemas/DossierEvent/properties/from", dossierStatuses},
		{"#/components/schemas/DossierEvent/properties/to", dossierStatuses},
		{"#/components/schemas/DossierSummary/properties/status", dossierStatuses},
		{"#/components/schemas/DossierLookup/properties/status", dossierStatuses},
		{"#/components/schemas/Dossier/properties/channel", catalog.Channels},
		{"#/components/schemas/DossierSummary/properties/channel", catalog.Channels},
		{"#/components/schemas/ActionRequest/properties/return_channel", catalog.Channels},
		{"#/components/schemas/ActionRequest/properties/rating", dossier.Ratings},
		{"#/components/schemas/Applicant/properties/type", catalog.ApplicantTypes},
		{"#/components/schemas/Dossier/properties/timeliness", []string{string(dossier.Early), string(dossier.OnTime), string(dossier.Late)}},
		{"#/components/schemas/Inbox/properties/box", boxes},
		{"#/paths/~1api~1v1~1inbox/get/parameters/" + paramIndex(t, v, "listInbox", "box") + "/schema", boxes},
		{"#/paths/~1api~1v1~1dossiers~1{ref}~1actions~1{action}/post/parameters/" + paramIndex(t, v, "actOnDossier", "action") + "/schema",
			apiActions},

		{"#/components/schemas/StatsQuery/properties/group", report.Groups},
		{"#/paths/~1api~1v1~1stats/get/parameters/" + paramIndex(t, v, "getStats", "group") + "/schema", report.Groups},
		{"#/paths/~1api~1v1~1stats~1dossiers/get/parameters/" + paramIndex(t, v, "listStatsDossiers", "group") + "/schema", report.Groups},
		{"#/paths/~1api~1v1~1index766/get/parameters/" + paramIndex(t, v, "getIndex766", "group") + "/schema", report.Groups},
		{"#/paths/~1api~1v1~1stats~1dossiers/get/parameters/" + paramIndex(t, v, "listStatsDossiers", "metric") + "/schema", report.Metrics},
		{"#/components/schemas/StatsDossierList/allOf/1/properties/metric", report.Metrics},
		{"#/components/schemas/StatsDossier/properties/status", dossierStatuses},
		{"#/components/schemas/StatsDossier/properties/channel", catalog.Channels},
		{"#/components/schemas/StatsDossier/properties/timeliness", []string{string(dossier.Early), string(dossier.OnTime), string(dossier.Late)}},

		{"#/components/schemas/ReportDefinition/properties/indicators/items", report.Metrics},
		{"#/components/schemas/ReportDefinitionRequest/properties/indicators/items", report.Metrics},
		{"#/components/schemas/ReportIndicator/properties/code", report.Metrics},
		{"#/components/schemas/ReportDefinition/properties/period_kind", []string{report.Month, report.Quarter, report.Half, report.Year}},
		{"#/components/schemas/ReportDefinitionRequest/properties/period_kind", []string{report.Month, report.Quarter, report.Half, report.Year}},
		{"#/components/schemas/ReportInstance/properties/status", []string{report.Draft, report.Signed}},
		{"#/components/schemas/ReportChild/properties/status", []string{"none", report.Draft, report.Signed}},
	}
	for _, tt := range tests {
		doc := docEnum(t, v, tt.pointer)
		slices.Sort(doc)
		code := slices.Sorted(slices.Values(tt.code)) // not in place: some are other packages' variables
		if diff := cmp.Diff(code, doc); diff != "" {
			t.Errorf("%s differs from the code (-code +document):\n%s", tt.pointer, diff)
		}
	}
}

// paramIndex returns the index, as a JSON pointer token, of the named
// parameter among the operation's own parameters.
func paramIndex(t *testing.T, v *validator, opID, name string) string {
	t.Helper()
	for _, o := range operations(t, v.doc) {
		if o.id != opID {
			continue
		}
		ps, _ := o.op["parameters"].([]any)
		for i, p := range ps {
			if m, ok := p.(map[string]any); ok && m["name"] == name {
				return strconv.Itoa(i)
			}
		}
	}
	t.Fatalf("%s has no parameter %s", opID, name)
	return ""
}

// TestOpenAPISchemasMatchGoTypes compares each response schema with the Go
// type the handlers encode: the same properties, required exactly when
// always present (no omitempty), nullable exactly when a pointer can
// encode as null, and the same JSON types.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	v := &validator{doc: loadDoc(t)}
	types := map[string]reflect.Type{
		"Agency":          reflect.TypeFor[api.Agency](),
		"AgencyList":      reflect.TypeFor[api.AgencyList](),
		"AdminUnit":       reflect.TypeFor[api.AdminUnit](),
		"AdminUnitDetail": reflect.TypeFor[api.AdminUnitDetail](),
		"AdminUnitList":   reflect.TypeFor[api.AdminUnitList](),
		"Me":              reflect.TypeFor[api.Me](),
		"Error":           reflect.TypeFor[api.Error](),

		"ProcedureSummary": reflect.TypeFor[api.ProcedureSummary](),
		"ProcedureList":    reflect.TypeFor[api.ProcedureList](),
		"Procedure":        reflect.TypeFor[api.Procedure](),
		"FieldEntry":       reflect.TypeFor[api.FieldEntry](),
		"FieldList":        reflect.TypeFor[api.FieldList](),
		"DraftRequest":     reflect.TypeFor[api.DraftRequest](),
		"WithdrawRequest":  reflect.TypeFor[api.WithdrawRequest](),
		"ImportResult":     reflect.TypeFor[api.ImportResult](),
		"Bundle":           reflect.TypeFor[catalog.Bundle](),
		"Field":            reflect.TypeFor[catalog.Field](),
		"Document":         reflect.TypeFor[catalog.Document](),
		"Result":           reflect.TypeFor[catalog.Result](),
		"Legal":            reflect.TypeFor[catalog.Legal](),
		"Case":             reflect.TypeFor[catalog.Case](),
		"Duration":         reflect.TypeFor[catalog.Duration](),
		"Fee":              reflect.TypeFor[catalog.Fee](),
		"Component":        reflect.TypeFor[catalog.Component](),
		"FormField":        reflect.TypeFor[catalog.FormField](),
		"Step":             reflect.TypeFor[catalog.Step](),

		"Applicant":      reflect.TypeFor[api.Applicant](),
		"FileRef":        reflect.TypeFor[api.FileRef](),
		"SubmitRequest":  reflect.TypeFor[api.SubmitRequest](),
		"ActionRequest":  reflect.TypeFor[api.ActionRequest](),
		"UploadedFile":   reflect.TypeFor[api.UploadedFile](),
		"Dossier":        reflect.TypeFor[api.Dossier](),
		"DossierStep":    reflect.TypeFor[api.DossierStep](),
		"DossierFile":    reflect.TypeFor[api.DossierFile](),
		"DossierEvent":   reflect.TypeFor[api.DossierEvent](),
		"DossierSummary": reflect.TypeFor[api.DossierSummary](),
		"Inbox":          reflect.TypeFor[api.Inbox](),
		"DossierLookup":  reflect.TypeFor[api.DossierLookup](),

		"StatsPeriod":      reflect.TypeFor[api.StatsPeriod](),
		"StatsQuery":       reflect.TypeFor[api.StatsQuery](),
		"StatsFigures":     reflect.TypeFor[api.StatsFigures](),
		"StatsRow":         reflect.TypeFor[api.StatsRow](),
		"Stats":            reflect.TypeFor[api.Stats](),
		"StatsDossier":     reflect.TypeFor[api.StatsDossier](),
		"StatsDossierList": reflect.TypeFor[api.StatsDossierList](),
		"IndexItemScore":   reflect.TypeFor[api.IndexItemScore](),
		"IndexGroupScore":  reflect.TypeFor[api.IndexGroupScore](),
		"IndexGroupPoints": reflect.TypeFor[api.IndexGroupPoints](),
		"IndexRow":         reflect.TypeFor[api.IndexRow](),
		"Index766":         reflect.TypeFor[api.Index766](),

		"ReportDefinition":        reflect.TypeFor[api.ReportDefinition](),
		"ReportDefinitionList":    reflect.TypeFor[api.ReportDefinitionList](),
		"ReportDefinitionRequest": reflect.TypeFor[api.ReportDefinitionRequest](),
		"ReportIndicator":         reflect.TypeFor[api.ReportIndicator](),
		"ReportChild":             reflect.TypeFor[api.ReportChild](),
		"ReportInstance":          reflect.TypeFor[api.ReportInstance](),
		"ReportCorrection":        reflect.TypeFor[api.ReportCorrection](),
		"ReportCorrections":       reflect.TypeFor[api.ReportCorrections](),
		"ReportSignRequest":       reflect.TypeFor[api.ReportSignRequest](),
	}
	for name, typ := range types {
		compareType(t, v, name, typ, map[string]any{"$ref": "#/components/schemas/" + name})
	}
	// Every schema of the document is compared with its Go type.
	schemas := v.doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range mapsKeys(schemas) {
		if _, ok := types[name]; !ok {
			t.Errorf("schema %s is not compared with a Go type: add it to this test", name)
		}
	}
}

type jsonField struct {
	name      string
	omitEmpty bool
	typ       reflect.Type
}

// jsonFields lists the JSON properties of a struct type as encoding/json
// sees them, with embedded structs flattened.
func jsonFields(typ reflect.Type) []jsonField {
	var out []jsonField
	for f := range typ.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, omitEmpty: slices.Contains(strings.Split(opts, ","), "omitempty"), typ: f.Type})
	}
	return out
}

// flatten merges a schema's allOf branches into one view of its
// properties and required names.
func flatten(t *testing.T, v *validator, s any) (typ string, props map[string]any, required []string, rest map[string]any) {
	m, err := v.deref(s)
	if err != nil {
		t.Fatal(err)
	}
	props = map[string]any{}
	typ, _ = m["type"].(string)
	if p, ok := m["properties"].(map[string]any); ok {
		for k, x := range p {
			props[k] = x
		}
	}
	if r, ok := m["required"].([]any); ok {
		for _, x := range r {
			required = append(required, x.(string))
		}
	}
	if all, ok := m["allOf"].([]any); ok {
		for _, b := range all {
			bt, bp, br, _ := flatten(t, v, b)
			if typ == "" {
				typ = bt
			}
			for k, x := range bp {
				props[k] = x
			}
			required = append(required, br...)
		}
	}
	return typ, props, required, m
}

func compareType(t *testing.T, v *validator, where string, typ reflect.Type, s any) {
	t.Helper()
	if typ.Kind() == reflect.Interface {
		return // any JSON value: whatever the document says of it
	}
	schemaType, props, required, m := flatten(t, v, s)
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ == reflect.TypeFor[time.Time]() {
		// encoding/json writes RFC 3339 text.
		if schemaType != "string" {
			t.Errorf("%s: document says type %q, Go encodes a time as a string", where, schemaType)
		}
		return
	}
	want := map[reflect.Kind]string{
		reflect.String: "string", reflect.Bool: "boolean", reflect.Int: "integer", reflect.Int64: "integer",
		reflect.Float64: "number", reflect.Struct: "object", reflect.Map: "object", reflect.Slice: "array",
	}[typ.Kind()]
	if want == "" {
		t.Fatalf("%s: Go type %v not handled by this test", where, typ)
	}
	if schemaType != want {
		t.Errorf("%s: document says type %q, Go encodes %s (%v)", where, schemaType, want, typ)
		return
	}
	switch typ.Kind() {
	case reflect.Struct:
		fields := jsonFields(typ)
		var goNames, goRequired []string
		for _, f := range fields {
			goNames = append(goNames, f.name)
			if !f.omitEmpty {
				goRequired = append(goRequired, f.name)
			}
			ps, ok := props[f.name]
			if !ok {
				continue
			}
			pm, err := v.deref(ps)
			if err != nil {
				t.Fatal(err)
			}
			canBeNull := f.typ.Kind() == reflect.Pointer && !f.omitEmpty
			if nullable := pm["nullable"] == true; nullable != canBeNull {
				t.Errorf("%s.%s: document says nullable=%v, but the Go field %v %s null", where, f.name, nullable, f.typ,
					map[bool]string{true: "can encode as", false: "never encodes as"}[canBeNull])
			}
			compareType(t, v, where+"."+f.name, f.typ, ps)
		}
		docNames := mapsKeys(props)
		slices.Sort(goNames)
		slices.Sort(docNames)
		if diff := cmp.Diff(goNames, docNames); diff != "" {
			t.Errorf("%s: properties differ from the Go type %v (-Go +document):\n%s", where, typ, diff)
		}
		slices.Sort(goRequired)
		slices.Sort(required)
		if diff := cmp.Diff(goRequired, required); diff != "" {
			t.Errorf("%s: required properties differ from the fields %v always encodes (-Go +document):\n%s", where, typ, diff)
		}
	case reflect.Slice:
		compareType(t, v, where+"[]", typ.Elem(), m["items"])
	case reflect.Map:
		compareType(t, v, where+"{}", typ.Elem(), m["additionalProperties"])
	}
}

// ---------------------------------------------------------------------------
// Routes.

// registeredPatterns returns the patterns the package's non-test source
// passes to HandleFunc or Handle.
func registeredPatterns(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: route pattern is not a string literal; this test cannot see it", fset.Position(call.Pos()))
				return true
			}
			p, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
			return true
		})
	}
	return out
}

// examplePath fills a documented path template with its parameters'
// examples.
func examplePath(t *testing.T, v *validator, o operation) string {
	t.Helper()
	p := o.path
	for _, prm := range parameters(t, v, o) {
		if prm["in"] != "path" {
			continue
		}
		ex, ok := prm["example"].(string)
		if !ok {
			t.Errorf("%s: path parameter %v has no string example to request it with", o.id, prm["name"])
			ex = "x"
		}
		p = strings.ReplaceAll(p, "{"+prm["name"].(string)+"}", url.PathEscape(ex))
	}
	return p
}

// TestOpenAPIRoutes checks that every route the package registers under
// /api/v1 is documented, and that every documented /api/v1 operation is
// routed to its own handler rather than to the catch-all.
func TestOpenAPIRoutes(t *testing.T) {
	doc := loadDoc(t)
	v := &validator{doc: doc}
	s, err := api.New(api.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)

	documented := map[string]bool{} // "GET /api/v1/agencies/{code}"
	for _, o := range operations(t, doc) {
		documented[strings.ToUpper(o.method)+" "+o.path] = true
	}
	patterns := registeredPatterns(t)
	apiRoutes := 0
	for _, p := range patterns {
		method, path, hasMethod := strings.Cut(p, " ")
		if !hasMethod {
			method, path = "", p
		}
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		apiRoutes++
		if method == "" {
			t.Errorf("route %q under /api/v1 accepts every method; the document cannot describe that", p)
			continue
		}
		if !documented[p] {
			t.Errorf("route %q is registered but not in openapi.json", p)
		}
		// The source scan sees what Register really registers.
		req := httptest.NewRequest(method, path, nil)
		if _, got := mux.Handler(req); got != p {
			t.Errorf("a request for %s %s is routed to %q, want %q", method, path, got, p)
		}
	}
	if apiRoutes < 6 {
		t.Errorf("found only %d routes under /api/v1 in %q: the source scan is broken", apiRoutes, patterns)
	}
	for _, o := range operations(t, doc) {
		if !isAPIPath(o.path) {
			continue
		}
		method := strings.ToUpper(o.method)
		req := httptest.NewRequest(method, examplePath(t, v, o), nil)
		if _, got := mux.Handler(req); got != method+" "+o.path {
			t.Errorf("documented %s %s (%s) is routed to %q", method, o.path, o.id, got)
		}
	}
}

// ---------------------------------------------------------------------------
// Conformance of real responses.

// conformanceCase is one real request and the status it must get. The
// method is the operation's.
//
// The cases run in order against one server, and the catalogue's writes
// depend on the cases before them: 9.000010 is drafted, then published,
// then withdrawn; keep that order when adding cases.
type conformanceCase struct {
	op      string // the operationId the request exercises
	name    string
	target  string   // path and query
	headers []string // name, value pairs; "$official" etc. are replaced by credentials
	// body is sent as JSON, or as it is when it is []byte or a
	// func(testing.TB) []byte (with contentType).
	body        any
	contentType string
	// invalidBody marks a body that deliberately does not match the
	// documented request schema; a body the document forbids must not be
	// accepted, and one that is not so marked must match.
	invalidBody bool
	broken      bool // against a server whose database is closed
	// servicesDown: against a server whose catalogue and dossiers have
	// their database closed and whose blob store fails, sign-in working.
	servicesDown bool
	// before prepares what the request needs and cannot make itself.
	before func(t *testing.T, e *env)
	want   int
}

// newDraft is the draft request that creates 9.000010 (a procedure of the
// Department of Justice, H26.12, which nguyenvana administers).
func newDraft(mutate ...func(*catalog.Document)) api.DraftRequest {
	d := judicialRecord("9.000010", "LLTP", "H26.12")
	for _, m := range mutate {
		m(&d)
	}
	return api.DraftRequest{Lock: 0, Document: d}
}

func negativeFee(d *catalog.Document) { d.Cases[0].Fees[0].AmountVND = -1 }

// importBundle is a bundle of the LLTP field and the procedures.
func importBundle(docs ...catalog.Document) catalog.Bundle {
	return catalog.Bundle{Format: catalog.Format,
		Fields:     []catalog.Field{{Code: "LLTP", NameVI: "Lý lịch tư pháp", NameEN: "Judicial records"}},
		Procedures: docs}
}

func withFee(d catalog.Document, amount int64) catalog.Document {
	d.Cases[0].Fees[0].AmountVND = amount
	return d
}

// draftThenRenameAgency drafts 9.000012 for a new division of the
// Department of Justice and then changes the division's code, so that the
// draft names an agency that no longer exists when it is published.
func draftThenRenameAgency(t *testing.T, e *env) {
	ctx := context.Background()
	in := agency.Input{Code: "H26.12.07", ParentCode: "H26.12", Kind: agency.Unit, Tier: "province", NameVI: "Phòng Lý lịch tư pháp", Active: true}
	a, err := e.agencies.Create(ctx, operator, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.catalog.SaveDraft(ctx, operator, judicialRecord("9.000012", "LLTP", "H26.12.07"), 0); err != nil {
		t.Fatal(err)
	}
	in.Code = "H26.12.08"
	if _, err := e.agencies.Update(ctx, operator, a.ID, a.Version, in); err != nil {
		t.Fatal(err)
	}
}

// xlsxOf returns b as a workbook, for a case's body.
func xlsxOf(b catalog.Bundle) func(testing.TB) []byte {
	return func(t testing.TB) []byte {
		var buf bytes.Buffer
		if err := catalog.WriteXLSX(&buf, b); err != nil {
			t.Fatalf("WriteXLSX: %v", err)
		}
		return buf.Bytes()
	}
}

var conformanceCases = []conformanceCase{
	{op: "getOpenAPI", name: "document", target: "/api/v1/openapi.json", want: 200},

	{op: "listAgencies", name: "all", target: "/api/v1/agencies", want: 200},
	{op: "listAgencies", name: "signed in", target: "/api/v1/agencies", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "listAgencies", name: "outage", target: "/api/v1/agencies", broken: true, want: 500},
	{op: "listAgencies", name: "outage en", target: "/api/v1/agencies", headers: []string{"Accept-Language", "en"}, broken: true, want: 500},

	{op: "getAgency", name: "department", target: "/api/v1/agencies/H26.12", want: 200},
	{op: "getAgency", name: "legacy order", target: "/api/v1/agencies/000.00.12.H26", want: 200},
	{op: "getAgency", name: "no legacy form", target: "/api/v1/agencies/H26.107", want: 200},
	{op: "getAgency", name: "root", target: "/api/v1/agencies/H26", want: 200},
	{op: "getAgency", name: "inactive, lower case", target: "/api/v1/agencies/h26.12.05", want: 200},
	{op: "getAgency", name: "unknown", target: "/api/v1/agencies/H26.99", want: 404},
	{op: "getAgency", name: "unknown en", target: "/api/v1/agencies/H26.99", headers: []string{"Accept-Language", "en"}, want: 404},
	{op: "getAgency", name: "malformed", target: "/api/v1/agencies/" + url.PathEscape("'; DROP TABLE agencies; --"), want: 404},
	{op: "getAgency", name: "too long", target: "/api/v1/agencies/H26." + strings.Repeat("1", 100), want: 404},
	{op: "getAgency", name: "outage", target: "/api/v1/agencies/H26.12", broken: true, want: 500},

	{op: "searchAdminUnits", name: "without diacritics", target: "/api/v1/admin-units?q=ba+dinh", want: 200},
	{op: "searchAdminUnits", name: "province", target: "/api/v1/admin-units?province=01&limit=200", want: 200},
	{op: "searchAdminUnits", name: "in province", target: "/api/v1/admin-units?province=01&q=ba", want: 200},
	{op: "searchAdminUnits", name: "old code", target: "/api/v1/admin-units?old=00001", want: 200},
	{op: "searchAdminUnits", name: "split old code", target: "/api/v1/admin-units?old=00019", want: 200},
	{op: "searchAdminUnits", name: "nothing", target: "/api/v1/admin-units", want: 200},
	{op: "searchAdminUnits", name: "hostile", target: "/api/v1/admin-units?q=" + url.QueryEscape(`"*" OR 1=1; --`), want: 200},
	{op: "searchAdminUnits", name: "limit 1", target: "/api/v1/admin-units?q=ba&limit=1", want: 200},
	{op: "searchAdminUnits", name: "limit 0", target: "/api/v1/admin-units?q=ba&limit=0", want: 422},
	{op: "searchAdminUnits", name: "limit abc", target: "/api/v1/admin-units?q=ba&limit=abc", want: 422},
	{op: "searchAdminUnits", name: "limit 201", target: "/api/v1/admin-units?limit=201", want: 422},
	{op: "searchAdminUnits", name: "limit en", target: "/api/v1/admin-units?limit=-1", headers: []string{"Accept-Language", "en"}, want: 422},

	{op: "getAdminUnit", name: "ward", target: "/api/v1/admin-units/00004", want: 200},
	{op: "getAdminUnit", name: "province", target: "/api/v1/admin-units/01", want: 200},
	{op: "getAdminUnit", name: "special zone", target: "/api/v1/admin-units/11948", want: 200},
	{op: "getAdminUnit", name: "unknown", target: "/api/v1/admin-units/99999", want: 404},
	{op: "getAdminUnit", name: "old code", target: "/api/v1/admin-units/00001", want: 404},
	{op: "getAdminUnit", name: "unknown en", target: "/api/v1/admin-units/abc", headers: []string{"Accept-Language", "en"}, want: 404},

	{op: "getMe", name: "official token", target: "/api/v1/me", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "getMe", name: "system token", target: "/api/v1/me", headers: []string{"Authorization", "$system"}, want: 200},
	{op: "getMe", name: "official session", target: "/api/v1/me", headers: []string{"Cookie", "$officialSession"}, want: 200},
	{op: "getMe", name: "citizen session", target: "/api/v1/me", headers: []string{"Cookie", "$citizenSession"}, want: 200},
	{op: "getMe", name: "anonymous", target: "/api/v1/me", want: 401},
	{op: "getMe", name: "anonymous en", target: "/api/v1/me", headers: []string{"Accept-Language", "en"}, want: 401},
	{op: "getMe", name: "bad token", target: "/api/v1/me", headers: []string{"Authorization", "Bearer mct_forged"}, want: 401},
	{op: "getMe", name: "not bearer", target: "/api/v1/me", headers: []string{"Authorization", "Basic dXNlcjpwYXNz"}, want: 401},
	{op: "getMe", name: "stale cookie", target: "/api/v1/me", headers: []string{"Cookie", "motcua_session=stale"}, want: 401},
	{op: "getMe", name: "outage", target: "/api/v1/me", headers: []string{"Authorization", "$official"}, broken: true, want: 401},

	// The catalogue: fixtureCatalog is published (1.001193 at the ward
	// H26.107, 9.000001 at H26.12).
	{op: "searchProcedures", name: "words", target: "/api/v1/procedures?q=khai+sinh", want: 200},
	{op: "searchProcedures", name: "capitals without diacritics", target: "/api/v1/procedures?q=KHAI+SIN", want: 200},
	{op: "searchProcedures", name: "everything", target: "/api/v1/procedures", want: 200},
	{op: "searchProcedures", name: "filters", target: "/api/v1/procedures?field=HT&level=commune&agency=H26.107&applicant=citizen&online=full", want: 200},
	{op: "searchProcedures", name: "receiving agency", target: "/api/v1/procedures?agency=H26.03", want: 200},
	{op: "searchProcedures", name: "no match", target: "/api/v1/procedures?q=xyzzy&level=district", want: 200},
	{op: "searchProcedures", name: "paging", target: "/api/v1/procedures?page=2&per_page=1", want: 200},
	{op: "searchProcedures", name: "last page", target: "/api/v1/procedures?page=100000&per_page=100", want: 200},
	{op: "searchProcedures", name: "hostile", target: "/api/v1/procedures?q=" + url.QueryEscape(`"khai" OR 1=1; '; DROP TABLE procedures; --`), want: 200},
	{op: "searchProcedures", name: "1,000 characters", target: "/api/v1/procedures?q=" + strings.Repeat("a", 1000), want: 200},
	{op: "searchProcedures", name: "page 0", target: "/api/v1/procedures?page=0", want: 422},
	{op: "searchProcedures", name: "page too large", target: "/api/v1/procedures?page=100001", want: 422},
	{op: "searchProcedures", name: "per_page 1000", target: "/api/v1/procedures?per_page=1000", want: 422},
	{op: "searchProcedures", name: "page abc en", target: "/api/v1/procedures?page=abc", headers: []string{"Accept-Language", "en"}, want: 422},
	{op: "searchProcedures", name: "outage", target: "/api/v1/procedures?q=khai+sinh", broken: true, want: 500},

	{op: "getProcedure", name: "current", target: "/api/v1/procedures/1.001193", want: 200},
	{op: "getProcedure", name: "by version", target: "/api/v1/procedures/1.001193?version=1", want: 200},
	{op: "getProcedure", name: "signed in", target: "/api/v1/procedures/9.000001", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "getProcedure", name: "unknown", target: "/api/v1/procedures/1.999999", want: 404},
	{op: "getProcedure", name: "unknown en", target: "/api/v1/procedures/1.999999", headers: []string{"Accept-Language", "en"}, want: 404},
	{op: "getProcedure", name: "unknown version", target: "/api/v1/procedures/1.001193?version=2", want: 404},
	{op: "getProcedure", name: "hostile code", target: "/api/v1/procedures/" + url.PathEscape("1.001193' OR '1'='1"), want: 404},
	{op: "getProcedure", name: "version 0", target: "/api/v1/procedures/1.001193?version=0", want: 422},
	{op: "getProcedure", name: "version abc", target: "/api/v1/procedures/1.001193?version=abc", want: 422},
	{op: "getProcedure", name: "version too large", target: "/api/v1/procedures/1.001193?version=1073741825", want: 422},
	{op: "getProcedure", name: "outage", target: "/api/v1/procedures/1.001193", broken: true, want: 500},

	{op: "listFields", name: "all", target: "/api/v1/fields", want: 200},
	{op: "listFields", name: "en", target: "/api/v1/fields", headers: []string{"Accept-Language", "en"}, want: 200},
	{op: "listFields", name: "outage", target: "/api/v1/fields", broken: true, want: 500},

	{op: "exportCatalog", name: "all", target: "/api/v1/catalog/export", want: 200},
	{op: "exportCatalog", name: "outage", target: "/api/v1/catalog/export", broken: true, want: 500},

	// 9.000010: refused, drafted, published, withdrawn.
	{op: "saveProcedureDraft", name: "anonymous", target: "/api/v1/procedures/9.000010/draft", body: newDraft(), want: 401},
	{op: "saveProcedureDraft", name: "no catalogue rights", target: "/api/v1/procedures/9.000010/draft", body: newDraft(),
		headers: []string{"Authorization", "$system"}, want: 403},
	{op: "saveProcedureDraft", name: "citizen", target: "/api/v1/procedures/9.000010/draft", body: newDraft(),
		headers: []string{"Cookie", "$citizenSession"}, want: 403},
	{op: "saveProcedureDraft", name: "another agency's procedure", target: "/api/v1/procedures/1.001193/draft",
		body: api.DraftRequest{Lock: 0, Document: birthRegistration("H26.107")}, headers: []string{"Authorization", "$official"}, want: 403},
	{op: "saveProcedureDraft", name: "with an agency it does not administer", target: "/api/v1/procedures/9.000010/draft",
		body: newDraft(func(d *catalog.Document) { d.Agencies = []string{"H26.12", "H29"} }), headers: []string{"Authorization", "$official"}, want: 403},
	{op: "saveProcedureDraft", name: "negative fee", target: "/api/v1/procedures/9.000010/draft", body: newDraft(negativeFee),
		invalidBody: true, headers: []string{"Authorization", "$official"}, want: 422},
	{op: "saveProcedureDraft", name: "negative fee en", target: "/api/v1/procedures/9.000010/draft", body: newDraft(negativeFee),
		invalidBody: true, headers: []string{"Authorization", "$official", "Accept-Language", "en"}, want: 422},
	{op: "saveProcedureDraft", name: "code differs from the path", target: "/api/v1/procedures/9.000011/draft", body: newDraft(),
		headers: []string{"Authorization", "$official"}, want: 422},
	{op: "saveProcedureDraft", name: "not JSON", target: "/api/v1/procedures/9.000010/draft", body: []byte(`{"lock": 0,`),
		contentType: "application/json", invalidBody: true, headers: []string{"Authorization", "$official"}, want: 422},
	{op: "saveProcedureDraft", name: "unknown property", target: "/api/v1/procedures/9.000010/draft",
		body: map[string]any{"lock": 0, "document": newDraft().Document, "comment": "x"}, invalidBody: true,
		headers: []string{"Authorization", "$official"}, want: 422},
	{op: "saveProcedureDraft", name: "outage", target: "/api/v1/procedures/9.000010/draft", body: newDraft(),
		headers: []string{"Authorization", "$official"}, servicesDown: true, want: 500},
	{op: "publishProcedure", name: "nothing to publish", target: "/api/v1/procedures/9.000010/publish",
		headers: []string{"Authorization", "$official"}, want: 404},
	{op: "saveProcedureDraft", name: "new", target: "/api/v1/procedures/9.000010/draft", body: newDraft(),
		headers: []string{"Authorization", "$official"}, want: 200},
	{op: "getProcedure", name: "draft only", target: "/api/v1/procedures/9.000010", want: 404},
	{op: "getProcedure", name: "draft by version", target: "/api/v1/procedures/9.000010?version=1", want: 404},
	{op: "saveProcedureDraft", name: "stale lock", target: "/api/v1/procedures/9.000010/draft", body: newDraft(),
		headers: []string{"Authorization", "$official"}, want: 409},
	{op: "saveProcedureDraft", name: "stale lock en", target: "/api/v1/procedures/9.000010/draft", body: newDraft(),
		headers: []string{"Authorization", "$official", "Accept-Language", "en"}, want: 409},
	{op: "publishProcedure", name: "anonymous", target: "/api/v1/procedures/9.000010/publish", want: 401},
	{op: "publishProcedure", name: "no catalogue rights", target: "/api/v1/procedures/9.000010/publish",
		headers: []string{"Authorization", "$system"}, want: 403},
	{op: "publishProcedure", name: "outage", target: "/api/v1/procedures/9.000010/publish",
		headers: []string{"Authorization", "$official"}, servicesDown: true, want: 500},
	{op: "publishProcedure", name: "draft", target: "/api/v1/procedures/9.000010/publish",
		headers: []string{"Authorization", "$official"}, want: 200},
	{op: "publishProcedure", name: "no draft", target: "/api/v1/procedures/9.000010/publish",
		headers: []string{"Authorization", "$official"}, want: 409},
	{op: "publishProcedure", name: "unknown", target: "/api/v1/procedures/9.999999/publish",
		headers: []string{"Authorization", "$official"}, want: 404},
	{op: "getProcedure", name: "published by the API", target: "/api/v1/procedures/9.000010", want: 200},
	{op: "withdrawProcedure", name: "anonymous", target: "/api/v1/procedures/9.000010/withdraw", body: api.WithdrawRequest{Reason: "Bãi bỏ"}, want: 401},
	{op: "withdrawProcedure", name: "no catalogue rights", target: "/api/v1/procedures/9.000010/withdraw",
		body: api.WithdrawRequest{Reason: "Bãi bỏ"}, headers: []string{"Authorization", "$system"}, want: 403},
	{op: "withdrawProcedure", name: "unknown", target: "/api/v1/procedures/9.999999/withdraw",
		body: api.WithdrawRequest{Reason: "Bãi bỏ"}, headers: []string{"Authorization", "$official"}, want: 404},
	{op: "withdrawProcedure", name: "without reason", target: "/api/v1/procedures/9.000010/withdraw",
		body: api.WithdrawRequest{Reason: "  "}, headers: []string{"Authorization", "$official"}, want: 422},
	{op: "withdrawProcedure", name: "without body", target: "/api/v1/procedures/9.000010/withdraw",
		body: []byte{}, contentType: "application/json", invalidBody: true, headers: []string{"Authorization", "$official"}, want: 422},
	{op: "withdrawProcedure", name: "outage", target: "/api/v1/procedures/9.000010/withdraw",
		body: api.WithdrawRequest{Reason: "Bãi bỏ"}, headers: []string{"Authorization", "$official"}, servicesDown: true, want: 500},
	{op: "withdrawProcedure", name: "withdraw", target: "/api/v1/procedures/9.000010/withdraw",
		body: api.WithdrawRequest{Reason: "Bãi bỏ theo Quyết định 1/QĐ-UBND"}, headers: []string{"Authorization", "$official"}, want: 204},
	{op: "withdrawProcedure", name: "already withdrawn", target: "/api/v1/procedures/9.000010/withdraw",
		body: api.WithdrawRequest{Reason: "Bãi bỏ"}, headers: []string{"Authorization", "$official"}, want: 409},
	{op: "publishProcedure", name: "draft no longer valid", target: "/api/v1/procedures/9.000012/publish",
		headers: []string{"Authorization", "$official"}, before: draftThenRenameAgency, want: 422},
	{op: "getProcedure", name: "withdrawn", target: "/api/v1/procedures/9.000010", want: 404},
	{op: "getProcedure", name: "withdrawn, by version", target: "/api/v1/procedures/9.000010?version=1", want: 200},

	{op: "importCatalog", name: "anonymous", target: "/api/v1/catalog/import", body: importBundle(judicialRecord("9.000020", "LLTP", "H26.12")), want: 401},
	{op: "importCatalog", name: "no catalogue rights", target: "/api/v1/catalog/import", body: importBundle(judicialRecord("9.000020", "LLTP", "H26.12")),
		headers: []string{"Authorization", "$system"}, want: 403},
	{op: "importCatalog", name: "another agency's procedure", target: "/api/v1/catalog/import",
		body: importBundle(judicialRecord("9.000020", "LLTP", "H29")), headers: []string{"Authorization", "$official"}, want: 403},
	{op: "importCatalog", name: "negative fee", target: "/api/v1/catalog/import",
		body:        importBundle(judicialRecord("9.000020", "LLTP", "H26.12"), withFee(judicialRecord("9.000021", "LLTP", "H26.12"), -1)),
		invalidBody: true, headers: []string{"Authorization", "$official"}, want: 422},
	{op: "importCatalog", name: "another format", target: "/api/v1/catalog/import",
		body:        catalog.Bundle{Format: "motcua-catalog/2", Fields: []catalog.Field{}, Procedures: []catalog.Document{}},
		invalidBody: true, headers: []string{"Authorization", "$official"}, want: 422},
	{op: "importCatalog", name: "not JSON", target: "/api/v1/catalog/import", body: []byte(`{"format": "motcua-catalog/1",`),
		contentType: "application/json", invalidBody: true, headers: []string{"Authorization", "$official"}, want: 422},
	{op: "importCatalog", name: "workbook with a negative fee", target: "/api/v1/catalog/import",
		body: xlsxOf(importBundle(withFee(judicialRecord("9.000022", "LLTP", "H26.12"), -1))), contentType: xlsxType,
		headers: []string{"Authorization", "$official"}, want: 422},
	{op: "importCatalog", name: "not a workbook", target: "/api/v1/catalog/import", body: []byte("PK\x03\x04 not really a workbook"),
		contentType: xlsxType, headers: []string{"Authorization", "$official", "Accept-Language", "en"}, want: 422},
	{op: "importCatalog", name: "outage", target: "/api/v1/catalog/import", body: importBundle(judicialRecord("9.000020", "LLTP", "H26.12")),
		headers: []string{"Authorization", "$official"}, servicesDown: true, want: 500},
	{op: "importCatalog", name: "JSON", target: "/api/v1/catalog/import", body: importBundle(judicialRecord("9.000020", "LLTP", "H26.12")),
		headers: []string{"Authorization", "$official"}, want: 200},
	{op: "importCatalog", name: "JSON, published", target: "/api/v1/catalog/import?publish=true",
		body: importBundle(judicialRecord("9.000021", "LLTP", "H26.12")), headers: []string{"Authorization", "$official"}, want: 200},
	{op: "importCatalog", name: "workbook", target: "/api/v1/catalog/import?publish=false",
		body: xlsxOf(importBundle(judicialRecord("9.000022", "LLTP", "H26.12"))), contentType: xlsxType,
		headers: []string{"Authorization", "$official"}, want: 200},
	{op: "getProcedure", name: "imported and published", target: "/api/v1/procedures/9.000021", want: 200},
	{op: "exportCatalog", name: "after the changes", target: "/api/v1/catalog/export", want: 200},

	// Files and dossiers. seedDossiers left dossier 1 (seedCode) accepted
	// by the desk of H26.03 (lgsp-hanoi) and dossier 2 submitted, both
	// the citizen's, with samplePDF as their files 1 and 2; the cases
	// below submit dossier 3 and accept dossier 2.
	{op: "uploadFile", name: "multipart, citizen", target: "/api/v1/files", body: multipartFile("Tờ khai.pdf", "application/pdf", samplePDF),
		contentType: multipartType, headers: []string{"Cookie", "$citizenSession"}, want: 200},
	{op: "uploadFile", name: "raw body, system", target: "/api/v1/files?filename=ket-qua.pdf", body: samplePDF, contentType: "application/pdf",
		headers: []string{"Authorization", "$system"}, want: 200},
	{op: "uploadFile", name: "raw body, undeclared type", target: "/api/v1/files?filename=scan.png", body: samplePNG,
		contentType: "application/octet-stream", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "uploadFile", name: "anonymous", target: "/api/v1/files", body: multipartFile("to-khai.pdf", "application/pdf", samplePDF),
		contentType: multipartType, want: 401},
	{op: "uploadFile", name: "too large", target: "/api/v1/files", body: multipartFile("to-khai.pdf", "application/pdf", bigPDF),
		contentType: multipartType, headers: []string{"Cookie", "$citizenSession"}, want: 422},
	{op: "uploadFile", name: "too large, raw", target: "/api/v1/files?filename=to-khai.pdf", body: bigPDF, contentType: "application/pdf",
		headers: []string{"Cookie", "$citizenSession"}, want: 422},
	{op: "uploadFile", name: "forbidden type", target: "/api/v1/files", body: multipartFile("ho-so.zip", "application/zip", sampleZIP),
		contentType: multipartType, headers: []string{"Cookie", "$citizenSession"}, want: 422},
	{op: "uploadFile", name: "PNG named .pdf", target: "/api/v1/files", body: multipartFile("scan.pdf", "application/pdf", samplePNG),
		contentType: multipartType, headers: []string{"Cookie", "$citizenSession"}, want: 422},
	{op: "uploadFile", name: "PNG declared a PDF", target: "/api/v1/files?filename=scan", body: samplePNG, contentType: "application/pdf",
		headers: []string{"Cookie", "$citizenSession", "Accept-Language", "en"}, want: 422},
	{op: "uploadFile", name: "path for a name", target: "/api/v1/files", body: multipartFile("../../etc/passwd", "application/pdf", samplePDF),
		contentType: multipartType, headers: []string{"Cookie", "$citizenSession"}, want: 422},
	{op: "uploadFile", name: "no file part", target: "/api/v1/files", body: multipartField("note", "không có tệp"),
		contentType: multipartType, headers: []string{"Cookie", "$citizenSession"}, want: 422},
	{op: "uploadFile", name: "not multipart", target: "/api/v1/files", body: []byte("not a multipart body"),
		contentType: multipartType, headers: []string{"Cookie", "$citizenSession"}, want: 422},
	{op: "uploadFile", name: "raw body without a name", target: "/api/v1/files", body: samplePDF, contentType: "application/pdf",
		headers: []string{"Cookie", "$citizenSession"}, want: 422},
	{op: "uploadFile", name: "outage", target: "/api/v1/files", body: multipartFile("to-khai.pdf", "application/pdf", samplePDF),
		contentType: multipartType, headers: []string{"Cookie", "$citizenSession"}, servicesDown: true, want: 500},

	{op: "submitDossier", name: "anonymous", target: "/api/v1/dossiers", body: fixtureApplication(samplePDFSum),
		headers: []string{"Idempotency-Key", "conf-1"}, want: 401},
	{op: "submitDossier", name: "official", target: "/api/v1/dossiers", body: fixtureApplication(samplePDFSum),
		headers: []string{"Authorization", "$official", "Idempotency-Key", "conf-1"}, want: 403},
	{op: "submitDossier", name: "system", target: "/api/v1/dossiers", body: fixtureApplication(samplePDFSum),
		headers: []string{"Authorization", "$system", "Idempotency-Key", "conf-1"}, want: 403},
	{op: "submitDossier", name: "no idempotency key", target: "/api/v1/dossiers", body: fixtureApplication(samplePDFSum),
		headers: []string{"Cookie", "$citizenSession"}, want: 422},
	{op: "submitDossier", name: "e-form value", target: "/api/v1/dossiers",
		body:    fixtureApplication(samplePDFSum, func(a *api.SubmitRequest) { a.Form["national_id"] = "12ab" }),
		headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-1"}, want: 422},
	{op: "submitDossier", name: "missing document", target: "/api/v1/dossiers",
		body:    fixtureApplication(samplePDFSum, func(a *api.SubmitRequest) { a.Files = nil }),
		headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-1", "Accept-Language", "en"}, want: 422},
	{op: "submitDossier", name: "path for a file name", target: "/api/v1/dossiers",
		body:    fixtureApplication(samplePDFSum, func(a *api.SubmitRequest) { a.Files[0].Name = "../../etc/passwd" }),
		headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-1"}, want: 422},
	{op: "submitDossier", name: "file never uploaded", target: "/api/v1/dossiers",
		body:    fixtureApplication(sumOf([]byte("%PDF-1.7 never uploaded"))),
		headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-1"}, want: 422},
	{op: "submitDossier", name: "file's type misstated", target: "/api/v1/dossiers",
		body:    fixtureApplication(samplePDFSum, func(a *api.SubmitRequest) { a.Files[0].ContentType = "image/png" }),
		headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-1"}, want: 422},
	{op: "submitDossier", name: "not JSON", target: "/api/v1/dossiers", body: []byte(`{"procedure_code": "9.000001",`),
		contentType: "application/json", invalidBody: true, headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-1"}, want: 422},
	{op: "submitDossier", name: "channel is not the client's", target: "/api/v1/dossiers",
		body: map[string]any{"procedure_code": "9.000001", "case_code": "TH1", "agency_code": "H26.03", "channel": "counter",
			"applicant": map[string]any{"type": "citizen", "full_name": "Trần Thị Bích"}},
		invalidBody: true, headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-1"}, want: 422},
	{op: "submitDossier", name: "new", target: "/api/v1/dossiers", body: fixtureApplication(samplePDFSum),
		headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-1"}, want: 201},
	{op: "submitDossier", name: "replayed", target: "/api/v1/dossiers", body: fixtureApplication(samplePDFSum),
		headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-1"}, want: 201},
	{op: "submitDossier", name: "key replayed with another body", target: "/api/v1/dossiers",
		body:    fixtureApplication(samplePDFSum, func(a *api.SubmitRequest) { a.Applicant.Phone = "0903000201" }),
		headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-1"}, want: 409},
	{op: "submitDossier", name: "outage", target: "/api/v1/dossiers", body: fixtureApplication(samplePDFSum),
		headers: []string{"Cookie", "$citizenSession", "Idempotency-Key", "conf-2"}, servicesDown: true, want: 500},

	{op: "getDossier", name: "by code, desk", target: "/api/v1/dossiers/" + seedCode, headers: []string{"Authorization", "$system"}, want: 200},
	{op: "getDossier", name: "by code in lower case, applicant", target: "/api/v1/dossiers/" + strings.ToLower(seedCode),
		headers: []string{"Cookie", "$citizenSession"}, want: 200},
	{op: "getDossier", name: "by id, not accepted yet", target: "/api/v1/dossiers/2", headers: []string{"Cookie", "$citizenSession"}, want: 200},
	{op: "getDossier", name: "anonymous", target: "/api/v1/dossiers/" + seedCode, want: 401},
	{op: "getDossier", name: "another agency's official", target: "/api/v1/dossiers/" + seedCode,
		headers: []string{"Authorization", "$official"}, want: 404},
	{op: "getDossier", name: "unknown id", target: "/api/v1/dossiers/999", headers: []string{"Authorization", "$system"}, want: 404},
	{op: "getDossier", name: "unknown code", target: "/api/v1/dossiers/000.00.03.H26-260302-9999", headers: []string{"Authorization", "$system"}, want: 404},
	{op: "getDossier", name: "neither code nor id", target: "/api/v1/dossiers/" + url.PathEscape("1 OR 1=1"),
		headers: []string{"Authorization", "$system", "Accept-Language", "en"}, want: 404},
	{op: "getDossier", name: "outage", target: "/api/v1/dossiers/1", headers: []string{"Authorization", "$system"}, servicesDown: true, want: 500},

	{op: "getDossierFile", name: "applicant", target: "/api/v1/dossiers/" + seedCode + "/files/1", headers: []string{"Cookie", "$citizenSession"}, want: 200},
	{op: "getDossierFile", name: "desk, by id", target: "/api/v1/dossiers/1/files/1", headers: []string{"Authorization", "$system"}, want: 200},
	{op: "getDossierFile", name: "range", target: "/api/v1/dossiers/1/files/1", headers: []string{"Authorization", "$system", "Range", "bytes=0-4"}, want: 206},
	{op: "getDossierFile", name: "not modified", target: "/api/v1/dossiers/1/files/1",
		headers: []string{"Authorization", "$system", "If-None-Match", `"` + samplePDFSum + `"`}, want: 304},
	{op: "getDossierFile", name: "range outside the file", target: "/api/v1/dossiers/1/files/1",
		headers: []string{"Authorization", "$system", "Range", "bytes=100000-"}, want: 416},
	{op: "getDossierFile", name: "anonymous", target: "/api/v1/dossiers/1/files/1", want: 401},
	{op: "getDossierFile", name: "another dossier's file", target: "/api/v1/dossiers/1/files/2", headers: []string{"Cookie", "$citizenSession"}, want: 404},
	{op: "getDossierFile", name: "another agency's official", target: "/api/v1/dossiers/1/files/1", headers: []string{"Authorization", "$official"}, want: 404},
	{op: "getDossierFile", name: "not a file id", target: "/api/v1/dossiers/1/files/x", headers: []string{"Authorization", "$system"}, want: 404},
	{op: "getDossierFile", name: "outage", target: "/api/v1/dossiers/1/files/1", headers: []string{"Authorization", "$system"}, servicesDown: true, want: 500},

	{op: "actOnDossier", name: "anonymous", target: "/api/v1/dossiers/2/actions/accept", body: api.ActionRequest{Version: 1}, want: 401},
	{op: "actOnDossier", name: "the applicant accepts", target: "/api/v1/dossiers/2/actions/accept", body: api.ActionRequest{Version: 1},
		headers: []string{"Cookie", "$citizenSession"}, want: 403},
	{op: "actOnDossier", name: "another agency's official", target: "/api/v1/dossiers/2/actions/accept", body: api.ActionRequest{Version: 1},
		headers: []string{"Authorization", "$official"}, want: 404},
	{op: "actOnDossier", name: "unknown dossier", target: "/api/v1/dossiers/000.00.03.H26-260302-9999/actions/accept",
		body: api.ActionRequest{Version: 1}, headers: []string{"Authorization", "$system"}, want: 404},
	{op: "actOnDossier", name: "unknown action", target: "/api/v1/dossiers/2/actions/approve_everything", body: api.ActionRequest{Version: 1},
		headers: []string{"Authorization", "$system"}, want: 422},
	{op: "actOnDossier", name: "not JSON", target: "/api/v1/dossiers/2/actions/accept", body: []byte(`{"version": `),
		contentType: "application/json", invalidBody: true, headers: []string{"Authorization", "$system"}, want: 422},
	{op: "actOnDossier", name: "refusal without a reason", target: "/api/v1/dossiers/2/actions/reject", body: api.ActionRequest{Version: 1},
		headers: []string{"Authorization", "$system", "Accept-Language", "en"}, want: 422},
	{op: "actOnDossier", name: "bad new appointment", target: "/api/v1/dossiers/" + seedCode + "/actions/extend",
		body: api.ActionRequest{Version: 2, Reason: "Cần xác minh thêm", NewDue: "12/03/2026"}, headers: []string{"Authorization", "$system"}, want: 422},
	{op: "actOnDossier", name: "out of order", target: "/api/v1/dossiers/2/actions/forward", body: api.ActionRequest{Version: 1},
		headers: []string{"Authorization", "$system"}, want: 409},
	{op: "actOnDossier", name: "accept", target: "/api/v1/dossiers/2/actions/accept", body: api.ActionRequest{Version: 1, Comment: "Đủ giấy tờ"},
		headers: []string{"Authorization", "$system"}, want: 200},
	{op: "actOnDossier", name: "stale version", target: "/api/v1/dossiers/2/actions/accept", body: api.ActionRequest{Version: 1},
		headers: []string{"Authorization", "$system"}, want: 409},
	{op: "actOnDossier", name: "outage", target: "/api/v1/dossiers/2/actions/accept", body: api.ActionRequest{Version: 2},
		headers: []string{"Authorization", "$system"}, servicesDown: true, want: 500},
	{op: "getDossier", name: "just accepted", target: "/api/v1/dossiers/" + seedCode2, headers: []string{"Cookie", "$citizenSession"}, want: 200},

	{op: "listInbox", name: "desk, default tray", target: "/api/v1/inbox", headers: []string{"Authorization", "$system"}, want: 200},
	{op: "listInbox", name: "results", target: "/api/v1/inbox?box=results", headers: []string{"Authorization", "$system"}, want: 200},
	{op: "listInbox", name: "in progress, limited", target: "/api/v1/inbox?box=in_progress&limit=5", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "listInbox", name: "session", target: "/api/v1/inbox?box=mine", headers: []string{"Cookie", "$officialSession"}, want: 200},
	{op: "listInbox", name: "anonymous", target: "/api/v1/inbox", want: 401},
	{op: "listInbox", name: "citizen", target: "/api/v1/inbox", headers: []string{"Cookie", "$citizenSession"}, want: 403},
	{op: "listInbox", name: "unknown tray", target: "/api/v1/inbox?box=archive", headers: []string{"Authorization", "$system"}, want: 422},
	{op: "listInbox", name: "limit 0", target: "/api/v1/inbox?limit=0", headers: []string{"Authorization", "$system"}, want: 422},
	{op: "listInbox", name: "limit 501 en", target: "/api/v1/inbox?limit=501", headers: []string{"Authorization", "$system", "Accept-Language", "en"}, want: 422},
	{op: "listInbox", name: "outage", target: "/api/v1/inbox", headers: []string{"Authorization", "$system"}, servicesDown: true, want: 500},

	{op: "lookupDossier", name: "code", target: "/api/v1/lookup/" + seedCode, want: 200},
	{op: "lookupDossier", name: "lower case, signed in", target: "/api/v1/lookup/" + strings.ToLower(seedCode2),
		headers: []string{"Cookie", "$citizenSession"}, want: 200},
	{op: "lookupDossier", name: "unknown", target: "/api/v1/lookup/000.00.03.H26-260302-9999", want: 404},
	{op: "lookupDossier", name: "malformed", target: "/api/v1/lookup/" + url.PathEscape("' OR 1=1 --"), want: 422},
	{op: "lookupDossier", name: "malformed en", target: "/api/v1/lookup/123", headers: []string{"Accept-Language", "en"}, want: 422},
	{op: "lookupDossier", name: "too many", target: "/api/v1/lookup/" + seedCode, servicesDown: true, before: exhaustLookups, want: 429},
	{op: "lookupDossier", name: "outage", target: "/api/v1/lookup/" + seedCode, broken: true, want: 500},

	// Statistics: the seed dossiers were received at H26.03, whose desk
	// lgsp-hanoi serves; nguyenvana administers H26.12.
	{op: "getStats", name: "own agency, current month", target: "/api/v1/stats", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "getStats", name: "desk by month", target: "/api/v1/stats?agency=H26.03&period=2026-Q1&group=month", headers: []string{"Authorization", "$system"}, want: 200},
	{op: "getStats", name: "legacy code, by procedure", target: "/api/v1/stats?agency=000.00.03.H26&from=2026-03-01&to=2026-03-31&group=procedure",
		headers: []string{"Authorization", "$system"}, want: 200},
	{op: "getStats", name: "filters", target: "/api/v1/stats?tier=province&procedure=1.001193&field=HT&officer=1&period=c2026&group=officer",
		headers: []string{"Cookie", "$officialSession"}, want: 200},
	{op: "getStats", name: "anonymous", target: "/api/v1/stats", want: 401},
	{op: "getStats", name: "citizen", target: "/api/v1/stats", headers: []string{"Cookie", "$citizenSession"}, want: 403},
	{op: "getStats", name: "another agency", target: "/api/v1/stats?agency=H26.03", headers: []string{"Authorization", "$official"}, want: 403},
	{op: "getStats", name: "whole platform", target: "/api/v1/stats?agency=", headers: []string{"Authorization", "$official"}, want: 403},
	{op: "getStats", name: "unknown agency", target: "/api/v1/stats?agency=H26.99", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getStats", name: "end before start", target: "/api/v1/stats?from=2026-03-10&to=2026-03-01", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getStats", name: "over ten years en", target: "/api/v1/stats?from=2010-01-01&to=2026-01-01",
		headers: []string{"Authorization", "$official", "Accept-Language", "en"}, want: 422},
	{op: "getStats", name: "half a range", target: "/api/v1/stats?from=2026-03-10", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getStats", name: "bad period", target: "/api/v1/stats?period=2026-Q5", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getStats", name: "month 13", target: "/api/v1/stats?period=2026-13", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getStats", name: "unknown group", target: "/api/v1/stats?group=weekday", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getStats", name: "officer abc", target: "/api/v1/stats?officer=abc", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getStats", name: "outage", target: "/api/v1/stats", headers: []string{"Authorization", "$official"}, servicesDown: true, want: 500},

	{op: "listStatsDossiers", name: "received at the desk", target: "/api/v1/stats/dossiers?agency=H26.03&period=2026-03&metric=received",
		headers: []string{"Authorization", "$system"}, want: 200},
	{op: "listStatsDossiers", name: "in progress", target: "/api/v1/stats/dossiers?agency=H26.03&period=2026-03&metric=in_progress_on_time",
		headers: []string{"Authorization", "$system"}, want: 200},
	{op: "listStatsDossiers", name: "default metric", target: "/api/v1/stats/dossiers", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "listStatsDossiers", name: "page 2", target: "/api/v1/stats/dossiers?metric=overdue&page=2", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "listStatsDossiers", name: "anonymous", target: "/api/v1/stats/dossiers", want: 401},
	{op: "listStatsDossiers", name: "citizen", target: "/api/v1/stats/dossiers", headers: []string{"Cookie", "$citizenSession"}, want: 403},
	{op: "listStatsDossiers", name: "unknown metric", target: "/api/v1/stats/dossiers?metric=applicants", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "listStatsDossiers", name: "page 0", target: "/api/v1/stats/dossiers?page=0", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "listStatsDossiers", name: "outage", target: "/api/v1/stats/dossiers", headers: []string{"Authorization", "$official"}, servicesDown: true, want: 500},

	{op: "getIndex766", name: "own agency", target: "/api/v1/index766", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "getIndex766", name: "ranking", target: "/api/v1/index766?agency=H26.03&period=2026-03&group=agency", headers: []string{"Authorization", "$system"}, want: 200},
	{op: "getIndex766", name: "anonymous", target: "/api/v1/index766", want: 401},
	{op: "getIndex766", name: "citizen", target: "/api/v1/index766", headers: []string{"Cookie", "$citizenSession"}, want: 403},
	{op: "getIndex766", name: "unknown agency", target: "/api/v1/index766?agency=H26.99", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getIndex766", name: "end before start en", target: "/api/v1/index766?from=2026-03-10&to=2026-03-01",
		headers: []string{"Authorization", "$official", "Accept-Language", "en"}, want: 422},
	{op: "getIndex766", name: "outage", target: "/api/v1/index766", headers: []string{"Authorization", "$official"}, servicesDown: true, want: 500},

	// Periodic reports, in order: defined by nguyenvana (administrator of
	// H26.12), opened, corrected, signed off by a leader made on demand
	// ($leader), then no longer editable.
	{op: "listReports", name: "none yet", target: "/api/v1/reports", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "listReports", name: "anonymous", target: "/api/v1/reports", want: 401},
	{op: "listReports", name: "citizen", target: "/api/v1/reports", headers: []string{"Cookie", "$citizenSession"}, want: 403},
	{op: "listReports", name: "outage", target: "/api/v1/reports", headers: []string{"Authorization", "$official"}, servicesDown: true, want: 500},

	{op: "createReport", name: "anonymous", target: "/api/v1/reports", body: reportDef, want: 401},
	{op: "createReport", name: "desk officer", target: "/api/v1/reports", headers: []string{"Authorization", "$system"}, body: reportDef, want: 403},
	{op: "createReport", name: "unknown indicator", target: "/api/v1/reports", headers: []string{"Authorization", "$official"},
		body: map[string]any{"code": "BC-X", "name_vi": "X", "name_en": "", "indicators": []string{"applicants"}, "period_kind": "month",
			"deadline_days": 5, "recipient": "H26.12"}, invalidBody: true, want: 422},
	{op: "createReport", name: "bad code en", target: "/api/v1/reports", headers: []string{"Authorization", "$official", "Accept-Language", "en"},
		body: api.ReportDefinitionRequest{Code: "x", NameVI: "X", Indicators: []string{"received"}, PeriodKind: "month", Recipient: "H26.12"}, want: 422},
	{op: "createReport", name: "outage", target: "/api/v1/reports", headers: []string{"Authorization", "$official"}, body: reportDef, servicesDown: true, want: 500},
	{op: "createReport", name: "define", target: "/api/v1/reports", headers: []string{"Authorization", "$official"}, body: reportDef, want: 201},
	{op: "createReport", name: "again", target: "/api/v1/reports", headers: []string{"Authorization", "$official"}, body: reportDef, want: 409},
	{op: "listReports", name: "one", target: "/api/v1/reports", headers: []string{"Authorization", "$system"}, want: 200},

	{op: "getReport", name: "open", target: "/api/v1/reports/BC-THANG/H26.12/2026-03", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "getReport", name: "json", target: "/api/v1/reports/BC-THANG/000.00.12.H26/2026-03?format=json", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "getReport", name: "xlsx", target: "/api/v1/reports/BC-THANG/H26.12/2026-03?format=xlsx", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "getReport", name: "pdf en", target: "/api/v1/reports/BC-THANG/H26.12/2026-03?format=pdf",
		headers: []string{"Authorization", "$official", "Accept-Language", "en"}, want: 200},
	{op: "getReport", name: "bad format", target: "/api/v1/reports/BC-THANG/H26.12/2026-03?format=csv", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getReport", name: "anonymous", target: "/api/v1/reports/BC-THANG/H26.12/2026-03", want: 401},
	{op: "getReport", name: "citizen", target: "/api/v1/reports/BC-THANG/H26.12/2026-03", headers: []string{"Cookie", "$citizenSession"}, want: 403},
	{op: "getReport", name: "another agency", target: "/api/v1/reports/BC-THANG/H26.03/2026-03", headers: []string{"Authorization", "$official"}, want: 403},
	{op: "getReport", name: "unknown report", target: "/api/v1/reports/BC-NONE/H26.12/2026-03", headers: []string{"Authorization", "$official"}, want: 404},
	{op: "getReport", name: "quarter of a monthly report", target: "/api/v1/reports/BC-THANG/H26.12/2026-Q1", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getReport", name: "unknown agency", target: "/api/v1/reports/BC-THANG/H26.99/2026-03", headers: []string{"Authorization", "$official"}, want: 422},
	{op: "getReport", name: "outage", target: "/api/v1/reports/BC-THANG/H26.12/2026-03", headers: []string{"Authorization", "$official"}, servicesDown: true, want: 500},

	{op: "correctReport", name: "anonymous", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/corrections", body: correction(1, ""), want: 401},
	{op: "correctReport", name: "citizen", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/corrections", headers: []string{"Cookie", "$citizenSession"},
		body: correction(1, "x"), want: 403},
	{op: "correctReport", name: "desk officer", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/corrections", headers: []string{"Authorization", "$system"},
		body: correction(1, "x"), want: 403},
	{op: "correctReport", name: "unknown report", target: "/api/v1/reports/BC-NONE/H26.12/2026-03/corrections", headers: []string{"Authorization", "$official"},
		body: correction(1, "x"), want: 404},
	{op: "correctReport", name: "without a reason", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/corrections", headers: []string{"Authorization", "$official"},
		body: correction(1, " "), want: 422},
	{op: "correctReport", name: "with a reason", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/corrections", headers: []string{"Authorization", "$official"},
		body: correction(1, "Hồ sơ giấy nhận ngày 14/3 chưa nhập"), want: 200},
	{op: "correctReport", name: "stale", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/corrections", headers: []string{"Authorization", "$official"},
		body: correction(1, "x"), want: 409},
	{op: "correctReport", name: "outage", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/corrections", headers: []string{"Authorization", "$official"},
		body: correction(2, "x"), servicesDown: true, want: 500},

	{op: "signReport", name: "anonymous", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/sign", body: api.ReportSignRequest{Version: 2}, want: 401},
	{op: "signReport", name: "not a leader", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/sign", headers: []string{"Authorization", "$official"},
		body: api.ReportSignRequest{Version: 2}, want: 403},
	{op: "signReport", name: "unknown report", target: "/api/v1/reports/BC-NONE/H26.12/2026-03/sign", headers: []string{"Authorization", "$leader"},
		body: api.ReportSignRequest{Version: 2}, want: 404},
	{op: "signReport", name: "without body", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/sign", headers: []string{"Authorization", "$leader"},
		invalidBody: true, want: 422},
	{op: "signReport", name: "stale", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/sign", headers: []string{"Authorization", "$leader"},
		body: api.ReportSignRequest{Version: 1}, want: 409},
	{op: "signReport", name: "outage", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/sign", headers: []string{"Authorization", "$official"},
		body: api.ReportSignRequest{Version: 2}, servicesDown: true, want: 500},
	{op: "signReport", name: "leader", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/sign", headers: []string{"Authorization", "$leader"},
		body: api.ReportSignRequest{Version: 2}, want: 200},
	{op: "signReport", name: "again", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/sign", headers: []string{"Authorization", "$leader"},
		body: api.ReportSignRequest{Version: 3}, want: 409},
	{op: "correctReport", name: "after sign-off", target: "/api/v1/reports/BC-THANG/H26.12/2026-03/corrections", headers: []string{"Authorization", "$official"},
		body: correction(3, "x"), want: 409},

	{op: "getStats", name: "xlsx", target: "/api/v1/stats?period=2026-03&group=procedure&format=xlsx", headers: []string{"Authorization", "$official"}, want: 200},
	{op: "getStats", name: "pdf en", target: "/api/v1/stats?period=c2026-03&format=pdf", headers: []string{"Authorization", "$official", "Accept-Language", "en"}, want: 200},
	{op: "getStats", name: "bad format", target: "/api/v1/stats?format=csv", headers: []string{"Authorization", "$official"}, want: 422},
}

// reportDef is the periodic report the conformance cases define.
var reportDef = api.ReportDefinitionRequest{Code: "BC-THANG", NameVI: "Báo cáo tháng về giải quyết TTHC", NameEN: "Monthly procedures report",
	Indicators: []string{"received", "resolved", "late"}, PeriodKind: "month", DeadlineDays: 5, Recipient: "H26.12"}

// correction corrects the received figure of the report.
func correction(version int, note string) api.ReportCorrections {
	return api.ReportCorrections{Version: version, Corrections: map[string]api.ReportCorrection{"received": {Value: 3, Note: note}}}
}

// exampleAuth is who requests an operation's examples when not the
// official nguyenvana: the example dossier (seedDossiers) was received by
// the desk that lgsp-hanoi serves, and nguyenvana may not see it.
var exampleAuth = map[string]string{"getDossier": "$system", "getDossierFile": "$system"}

// credentials replaces the placeholders of a case's headers.
func (e *env) credentials(headers []string) []string {
	out := slices.Clone(headers)
	for i, h := range out {
		switch h {
		case "$official":
			out[i] = "Bearer " + e.officialToken
		case "$system":
			out[i] = "Bearer " + e.systemToken
		case "$officialSession":
			out[i] = cookie(e.officialSession)[1]
		case "$citizenSession":
			out[i] = cookie(e.citizenSession)[1]
		case "$leader":
			out[i] = "Bearer " + e.leader(e.t)
		}
	}
	return out
}

// TestOpenAPIConformance sends real requests for every /api/v1 operation
// of the document, each documented status included, and checks that the
// request is routed to the operation's own handler, that its parameters
// and body are what the document says (or deliberately not, and then
// refused), that the status is documented for the operation and that the
// body validates, strictly, against the documented schema of its media
// type.
func TestOpenAPIConformance(t *testing.T) {
	doc := loadDoc(t)
	v := &validator{doc: doc, strict: true}
	ops := map[string]operation{}
	for _, o := range operations(t, doc) {
		ops[o.id] = o
	}
	// Every documented /api/v1 operation and status has a case.
	exercised := map[string]map[string]bool{}
	for _, c := range conformanceCases {
		if _, ok := ops[c.op]; !ok {
			t.Fatalf("case %s/%s: no operation %q in the document", c.op, c.name, c.op)
		}
		if exercised[c.op] == nil {
			exercised[c.op] = map[string]bool{}
		}
		exercised[c.op][strconv.Itoa(c.want)] = true
	}
	for _, o := range ops {
		if !isAPIPath(o.path) {
			continue
		}
		for code := range o.op["responses"].(map[string]any) {
			if !exercised[o.id][code] {
				t.Errorf("%s: documented status %s has no conformance case", o.id, code)
			}
		}
	}

	served, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		good := newEnv(t, d)
		broken := newBrokenEnv(t, engineOf(d))
		servicesDown := newServicesOutageEnv(t, good)
		for _, c := range conformanceCases {
			t.Run(c.op+"/"+c.name, func(t *testing.T) {
				e := good
				switch {
				case c.broken:
					e = broken
				case c.servicesDown:
					e = servicesDown
				}
				if c.before != nil {
					c.before(t, e)
				}
				o := ops[c.op]
				method := strings.ToUpper(o.method)
				// The request is routed to the operation's own handler.
				req := httptest.NewRequest(method, c.target, nil)
				if _, pattern := e.mux.Handler(req); pattern != method+" "+o.path {
					t.Errorf("%s %s is routed to %q, not to %s %s", method, c.target, pattern, method, o.path)
				}
				paramsFit := checkParameters(t, v, o, c.target)
				var body any
				var raw []byte
				headers := e.credentials(c.headers)
				switch b := c.body.(type) {
				case nil:
				case []byte:
					body, raw = b, b
				case func(testing.TB) []byte:
					raw = b(t)
					body = raw
				default:
					if raw, err = json.Marshal(b); err != nil {
						t.Fatal(err)
					}
					body = raw
					if c.contentType == "" {
						headers = append(headers, "Content-Type", "application/json")
					}
				}
				if c.contentType != "" {
					headers = append(headers, "Content-Type", c.contentType)
				}
				res := e.roundTrip(t, method, c.target, body, headers...)
				if res.status != c.want {
					t.Errorf("status %d, want %d; body %.500s", res.status, c.want, res.body)
				}
				checkRefusedParameters(t, paramsFit, res)
				checkRequestBody(t, v, o, c, raw, res.status)
				checkResponse(t, v, o, res)
				checkErrorText(t, res)
				if c.op == "getOpenAPI" && !bytes.Equal(res.body, served) {
					t.Error("the served document differs from openapi.json")
				}
			})
		}
		// Every documented /api/v1 path is served: requested with its
		// examples, none answers "no such endpoint", and every GET
		// answers 200.
		for _, o := range ops {
			if !isAPIPath(o.path) {
				continue
			}
			method := strings.ToUpper(o.method)
			auth := "$official"
			if a, ok := exampleAuth[o.id]; ok {
				auth = a
			}
			res := good.send(t, method, examplePath(t, v, o), nil, good.credentials([]string{"Authorization", auth})...)
			if res.status == http.StatusNotFound && bytes.Contains(res.body, []byte(good.cat.T("vi", "api.no_such_endpoint"))) ||
				res.status == http.StatusMethodNotAllowed {
				t.Errorf("documented %s %s is not served: %d %s", method, o.path, res.status, res.body)
			}
			if o.method == "get" && res.status != http.StatusOK {
				t.Errorf("documented %s %s, requested with its examples, answered %d: %s", method, o.path, res.status, res.body)
			}
		}
	})
}

// checkParameters checks the query of target against the operation's
// documented query parameters: each is documented. It returns the names
// of the parameters whose every value fits the parameter's schema.
func checkParameters(t *testing.T, v *validator, o operation, target string) map[string]bool {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("target %q: %v", target, err)
	}
	documented := map[string]map[string]any{}
	for _, p := range parameters(t, v, o) {
		if p["in"] == "query" {
			documented[p["name"].(string)] = p
		}
	}
	fits := map[string]bool{}
	for name, values := range u.Query() {
		p, ok := documented[name]
		if !ok {
			t.Errorf("query parameter %q is not documented for %s", name, o.id)
			continue
		}
		s, err := v.deref(p["schema"])
		if err != nil {
			t.Fatal(err)
		}
		fits[name] = true
		for _, val := range values {
			// A query value is text; the schema's type says how to read it.
			var typed any = val
			switch s["type"] {
			case "integer", "number":
				if _, err := strconv.ParseFloat(val, 64); err == nil {
					typed = json.Number(val)
				}
			case "boolean":
				if b, err := strconv.ParseBool(val); err == nil {
					typed = b
				}
			}
			if len(v.Validate(s, typed)) > 0 {
				fits[name] = false
			}
		}
	}
	return fits
}

// checkRefusedParameters: the server accepts no query parameter value the
// document forbids, and a 422 that blames a parameter whose value fits the
// document means the server refuses what the document allows.
func checkRefusedParameters(t *testing.T, fits map[string]bool, res response) {
	t.Helper()
	for name, ok := range fits {
		if !ok && res.status < 300 {
			t.Errorf("status %d for a value of parameter %s that the document forbids", res.status, name)
		}
	}
	if res.status != http.StatusUnprocessableEntity || !res.isJSON() {
		return
	}
	var e api.Error
	if json.Unmarshal(res.body, &e) != nil {
		return
	}
	for f := range e.Error.Fields {
		if fits[f] {
			t.Errorf("422 blames parameter %s, whose value the document allows", f)
		}
	}
}

// checkRequestBody checks a case's request against the operation's
// requestBody: a body only where one is documented, in a documented
// media type, matching the documented JSON schema unless the case says
// it deliberately does not, and never accepted when it does not.
func checkRequestBody(t *testing.T, v *validator, o operation, c conformanceCase, raw []byte, status int) {
	t.Helper()
	rb, hasBody := o.op["requestBody"]
	if !hasBody {
		if c.body != nil {
			t.Errorf("%s documents no request body, the case sends one", o.id)
		}
		return
	}
	rbm, err := v.deref(rb)
	if err != nil {
		t.Fatal(err)
	}
	content, _ := rbm["content"].(map[string]any)
	if c.body == nil {
		if rbm["required"] == true && !c.invalidBody {
			t.Errorf("%s requires a body; the case sends none", o.id)
		}
		return
	}
	ctype := c.contentType
	if ctype == "" {
		ctype = "application/json"
	}
	if mt, _, err := mime.ParseMediaType(ctype); err == nil {
		ctype = mt // without parameters such as a multipart boundary
	}
	media, ok := content[ctype].(map[string]any)
	if !ok {
		t.Errorf("request Content-Type %s is not documented for %s (documented: %v)", ctype, o.id, mapsKeys(content))
		return
	}
	if ctype != "application/json" {
		return // a workbook: what is wrong inside it is not the document's to say
	}
	var problems []string
	if value, err := decodeJSON(raw); err != nil {
		problems = []string{"not one JSON value: " + err.Error()}
	} else {
		problems = v.Validate(media["schema"], value)
	}
	switch {
	case len(problems) > 0 && !c.invalidBody:
		t.Errorf("the case's body does not match the document (set invalidBody if that is the point): %q", problems)
	case len(problems) == 0 && c.invalidBody:
		t.Errorf("the case's body is marked invalid but matches the document")
	case len(problems) > 0 && status < 300:
		t.Errorf("status %d for a body the document forbids: %q", status, problems)
	}
}

// checkResponse checks res against what the document says operation o
// answers: a documented status, a documented media type, and a body that
// validates against that media type's schema.
func checkResponse(t *testing.T, v *validator, o operation, res response) {
	t.Helper()
	resps := o.op["responses"].(map[string]any)
	code := strconv.Itoa(res.status)
	r, ok := resps[code]
	if !ok {
		r, ok = resps[code[:1]+"XX"]
	}
	if !ok {
		r, ok = resps["default"]
	}
	if !ok {
		t.Errorf("status %d is not documented for %s (documented: %v); body %.500s",
			res.status, o.id, mapsKeys(resps), res.body)
		return
	}
	rm, err := v.deref(r)
	if err != nil {
		t.Fatal(err)
	}
	content, _ := rm["content"].(map[string]any)
	if len(content) == 0 {
		if len(res.body) > 0 {
			t.Errorf("status %d of %s documents no content, got %s", res.status, o.id, res.body)
		}
		return
	}
	mt, _, err := mime.ParseMediaType(res.header.Get("Content-Type"))
	if err != nil {
		t.Errorf("Content-Type %q: %v", res.header.Get("Content-Type"), err)
		return
	}
	media, ok := content[mt].(map[string]any)
	if !ok {
		t.Errorf("Content-Type %s is not documented for status %d of %s (documented: %v)", mt, res.status, o.id, mapsKeys(content))
		return
	}
	if mt != "application/json" {
		return
	}
	body, err := decodeJSON(res.body)
	if err != nil {
		t.Errorf("body is not one JSON value: %v: %s", err, res.body)
		return
	}
	probs := v.Validate(media["schema"], body)
	for i, p := range probs {
		if i == 10 {
			t.Errorf("… and %d more problems", len(probs)-i)
			break
		}
		t.Errorf("body does not match the document: %s", p)
	}
}

// messageKey looks like a message key ("catalog.fee.negative"): a message
// that is one was missing from the catalogue.
var messageKey = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

// checkErrorText checks that an error's message and field messages are
// real text: neither a bare message key nor badly formatted.
func checkErrorText(t *testing.T, res response) {
	t.Helper()
	if res.status < 400 || !res.isJSON() {
		return
	}
	var e api.Error
	if err := json.Unmarshal(res.body, &e); err != nil {
		return // checkResponse reports the shape
	}
	texts := map[string]string{"message": e.Error.Message}
	for f, m := range e.Error.Fields {
		texts["fields["+f+"]"] = m
	}
	for where, m := range texts {
		if m == "" || messageKey.MatchString(m) || strings.Contains(m, "%!") {
			t.Errorf("error %s %q is a bare message key or badly formatted", where, m)
		}
	}
}

// The document and its operations by route pattern, for checkDocumented.
var (
	docOnce   sync.Once
	docV      *validator
	docRoutes map[string]operation // "GET /api/v1/agencies/{code}"
)

// checkDocumented checks any response of a request that the server routes
// to a documented operation: the status is documented, the body fits the
// documented schema strictly, and error texts are real messages.
func (e *env) checkDocumented(t *testing.T, method, target string, res response) {
	t.Helper()
	docOnce.Do(func() {
		doc := loadDoc(t)
		docV = &validator{doc: doc, strict: true}
		docRoutes = map[string]operation{}
		for _, o := range operations(t, doc) {
			docRoutes[strings.ToUpper(o.method)+" "+o.path] = o
		}
	})
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		return
	}
	_, pattern := e.mux.Handler(req)
	o, ok := docRoutes[pattern]
	if !ok {
		return
	}
	checkResponse(t, docV, o, res)
	checkErrorText(t, res)
}
