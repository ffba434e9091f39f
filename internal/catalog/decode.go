package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/motcua/motcua/internal/errs"
)

// DecodeBundle reads a JSON bundle strictly: an unknown key is an error
// (a misspelt "amount_vnd" must not silently become a free procedure), and
// so is anything after the bundle. Procedures are decoded one by one, so
// that a problem is located by the procedure's index.
func DecodeBundle(raw []byte) (Bundle, error) {
	var outer struct {
		Format     string            `json:"format"`
		Fields     []Field           `json:"fields"`
		Procedures []json.RawMessage `json:"procedures"`
	}
	var v errs.Validation
	if err := decodeStrict(raw, &outer); err != nil {
		addJSONError(&v, raw, "", err)
		return Bundle{}, v.Err("catalog.DecodeBundle")
	}
	b := Bundle{Format: outer.Format, Fields: outer.Fields}
	for i, p := range outer.Procedures {
		var d Document
		if err := decodeStrict(p, &d); err != nil {
			addJSONError(&v, p, fmt.Sprintf("procedures[%d]", i), err)
			continue
		}
		b.Procedures = append(b.Procedures, d)
	}
	return b, v.Err("catalog.DecodeBundle")
}

func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errTrailing
	}
	return nil
}

var errTrailing = errors.New("data after the JSON value")

func addJSONError(v *errs.Validation, raw []byte, prefix string, err error) {
	join := func(field string) string {
		switch {
		case prefix == "":
			return field
		case field == "":
			return prefix
		}
		return prefix + "." + field
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		v.Add(join("file"), "catalog.import.json_syntax", se.Offset)
	case errors.As(err, &te):
		field := te.Field
		if path, ok := pathAt(raw, te.Offset); ok {
			field = path
		}
		v.Add(join(field), "catalog.import.json_type", te.Value)
	default:
		v.Add(join("file"), "catalog.import.json", err.Error())
	}
}

// pathAt returns the path ("cases[0].fees[1].amount_vnd") of the value
// that ends at offset in raw, by walking its tokens: encoding/json names
// the field of a type error but not the list indices on the way to it.
func pathAt(raw []byte, offset int64) (string, bool) {
	type level struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []*level
	path := func() string {
		var b bytes.Buffer
		for _, l := range stack {
			if l.array {
				fmt.Fprintf(&b, "[%d]", l.index)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(l.key)
		}
		return b.String()
	}
	// valueDone tells the enclosing object that its next token is a key.
	valueDone := func() {
		if n := len(stack); n > 0 && !stack[n-1].array {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		n := len(stack)
		if n > 0 && stack[n-1].wantKey {
			if k, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].wantKey = k, false
				continue
			}
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:n-1]
			valueDone()
			continue
		}
		// tok begins a value.
		if n > 0 && stack[n-1].array {
			stack[n-1].index++
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &level{array: true, index: -1})
			continue
		}
		if dec.InputOffset() >= offset {
			return path(), true
		}
		valueDone()
	}
}
