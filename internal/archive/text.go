package archive

import (
	"reflect"
	"strings"
	"unicode/utf8"
)

// checkText walks every string of the archive, in document order, and
// returns the EINVALID error for the first one a text column cannot hold:
// PostgreSQL refuses NUL characters and invalid UTF-8, and an import that
// fails inside the database would be an internal error rather than a
// message naming the value.
func checkText(p string, v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return fail(p, "must be UTF-8 text without NUL characters")
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return checkText(p, v.Elem())
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // raw JSON (planning settings), checked by its parser
		}
		for i := range v.Len() {
			if err := checkText(idx(p, i), v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				name = t.Field(i).Name
			}
			if err := checkText(field(p, name), v.Field(i)); err != nil {
				return err
			}
		}
	}
	return nil
}
