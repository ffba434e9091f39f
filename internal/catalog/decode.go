package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/motcua/motcua/internal/errs"
)

// DecodeBundle reads a JSON bundle strictly: an unknown key is an error
// (a misspelt "amount_vnd" must not silently become a free procedure), and
// so is anything after the bundle.
func DecodeBundle(raw []byte) (Bundle, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var b Bundle
	if err := dec.Decode(&b); err != nil {
		var v errs.Validation
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			v.Add("file", "catalog.import.json_syntax", se.Offset)
		case errors.As(err, &te):
			v.Add(te.Field, "catalog.import.json_type", te.Value)
		default:
			v.Add("file", "catalog.import.json", err.Error())
		}
		return b, v.Err("catalog.DecodeBundle")
	}
	if dec.More() {
		var v errs.Validation
		v.Add("file", "catalog.import.json", fmt.Sprint("trailing data"))
		return b, v.Err("catalog.DecodeBundle")
	}
	return b, nil
}
