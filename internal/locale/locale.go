// Package locale holds the user-facing text of Motcua in Vietnamese (the
// default) and English, and formats dates and numbers the way each
// language writes them.
//
// Messages are keyed ("agency.code.duplicate") and may take fmt-style
// arguments. Both catalogues must have the same keys; a test enforces it.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Lang is a supported language tag.
type Lang string

// The supported languages, Vietnamese first.
const (
	VI Lang = "vi"
	EN Lang = "en"
)

// Langs lists the supported languages in preference order.
var Langs = []Lang{VI, EN}

//go:embed messages/*.json
var files embed.FS

// Catalog is the loaded message catalogues. Read-only after Load.
type Catalog struct {
	msgs    map[Lang]map[string]string
	matcher language.Matcher
	loc     *time.Location
}

// Load parses the embedded catalogues. Dates are shown in loc.
func Load(loc *time.Location) (*Catalog, error) {
	c := &Catalog{msgs: map[Lang]map[string]string{}, loc: loc,
		matcher: language.NewMatcher([]language.Tag{language.Vietnamese, language.English})}
	for _, l := range Langs {
		b, err := files.ReadFile("messages/" + string(l) + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("locale %s: %w", l, err)
		}
		c.msgs[l] = m
	}
	return c, nil
}

// Parse returns the language named by s, or VI.
func Parse(s string) Lang {
	if strings.HasPrefix(strings.ToLower(s), "en") {
		return EN
	}
	return VI
}

// Match picks the language for an Accept-Language header, preferring
// Vietnamese when the browser states no preference we support.
func (c *Catalog) Match(acceptLanguage string) Lang {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return VI
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return VI
	}
	return Langs[i]
}

// Has reports whether key exists.
func (c *Catalog) Has(key string) bool { _, ok := c.msgs[VI][key]; return ok }

// Keys returns every key of the language's catalogue.
func (c *Catalog) Keys(l Lang) []string {
	out := make([]string, 0, len(c.msgs[l]))
	for k := range c.msgs[l] {
		out = append(out, k)
	}
	return out
}

// T returns the message for key in l, formatted with args. A missing key
// shows itself, which tests catch, rather than an empty string users would not.
func (c *Catalog) T(l Lang, key string, args ...any) string {
	m, ok := c.msgs[l][key]
	if !ok {
		if m, ok = c.msgs[VI][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return m
	}
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			args[i] = c.DateTime(l, t)
		}
	}
	return message.NewPrinter(tag(l)).Sprintf(m, args...)
}

func tag(l Lang) language.Tag {
	if l == EN {
		return language.English
	}
	return language.Vietnamese
}

// Date formats a date: 24/04/2026 in Vietnamese, 24 Apr 2026 in English.
func (c *Catalog) Date(l Lang, t time.Time) string {
	t = t.In(c.loc)
	if l == EN {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02/01/2006")
}

// DateTime formats an instant with its time of day.
func (c *Catalog) DateTime(l Lang, t time.Time) string {
	t = t.In(c.loc)
	if l == EN {
		return t.Format("15:04, 2 Jan 2006")
	}
	return t.Format("15:04 ngày 02/01/2006")
}

// Number formats an integer with the language's grouping (1.234.567 in
// Vietnamese, 1,234,567 in English).
func (c *Catalog) Number(l Lang, n int64) string {
	return message.NewPrinter(tag(l)).Sprintf("%d", n)
}
