package catalog

import (
	"reflect"
	"testing"
)

// fill sets every field reachable from v to a non-zero value, giving every
// slice two elements, so that a missed field shows in TestDocumentClone.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i))
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fill(v.Index(i))
		}
	default:
		panic("fill: add " + v.Kind().String() + " to fill and to Document.clone")
	}
}

// shared reports the path of the first slice of a whose elements b shares.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	case reflect.Slice:
		if a.Len() > 0 && a.Index(0).Addr().Pointer() == b.Index(0).Addr().Pointer() {
			return path
		}
		for i := range a.Len() {
			if p := shared(a.Index(i), b.Index(i), path+"[]"); p != "" {
				return p
			}
		}
	}
	return ""
}

// The cache hands out clones; a clone must share no slice with the cached
// document, including slices added to the model later.
func TestDocumentClone(t *testing.T) {
	var d Document
	fill(reflect.ValueOf(&d).Elem())
	c := d.clone()
	if !reflect.DeepEqual(c, d) {
		t.Fatal("the clone differs from the document")
	}
	if p := shared(reflect.ValueOf(d), reflect.ValueOf(c), "Document"); p != "" {
		t.Errorf("the clone shares %s with the document: copy it in Document.clone", p)
	}
}
