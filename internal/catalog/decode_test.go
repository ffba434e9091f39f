package catalog

import (
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/errs"
)

func TestDecodeBundleLocatesProblems(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"amount as text", `{"format":"motcua-catalog/1","fields":[],"procedures":[{"code":"1.000001","cases":[]},
			{"code":"1.000002","cases":[{"code":"TH1","fees":[{"kind":"fee","amount_vnd":5},{"kind":"fee","amount_vnd":"nhiều"}]}]}]}`, "procedures[1].cases[0].fees[1].amount_vnd"},
		{"unknown key", `{"format":"motcua-catalog/1","procedures":[{"code":"1.000001","amount":1}]}`, "procedures[0].file"},
		{"trailing data", `{"format":"motcua-catalog/1"} {}`, "file"},
		{"syntax", `{"format": `, "file"},
		{"levels as a string", `{"format":"motcua-catalog/1","procedures":[{"levels":"commune"}]}`, "procedures[0].levels"},
	}
	for _, tt := range tests {
		_, err := DecodeBundle([]byte(tt.json))
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if _, ok := e.Fields[tt.want]; !ok {
			var got []string
			for k := range e.Fields {
				got = append(got, k)
			}
			t.Errorf("%s: problems at %s, want %s", tt.name, strings.Join(got, ", "), tt.want)
		}
	}
	if _, err := DecodeBundle([]byte(`{"format":"motcua-catalog/1","fields":[],"procedures":[]}`)); err != nil {
		t.Errorf("an empty bundle: %v", err)
	}
}

func FuzzDecodeBundle(f *testing.F) {
	f.Add(`{"format":"motcua-catalog/1","procedures":[{"cases":[{"fees":[{"amount_vnd":"x"}]}]}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		DecodeBundle([]byte(s)) // must not panic
	})
}
