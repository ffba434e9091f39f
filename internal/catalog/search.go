package catalog

import (
	"context"
	"slices"
	"strings"

	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/fold"
)

// Query is a catalogue search: words (with or without diacritics, any
// case) and filters, one page of results.
type Query struct {
	Text      string
	Field     string
	Level     string
	Agency    string // electronic code of an implementing or receiving agency
	Applicant string
	Online    string
	Page      int // from 1
	PerPage   int
}

// Summary is a procedure in a result list.
type Summary struct {
	Code        string
	NameVI      string
	NameEN      string
	Field       string
	OnlineLevel string
	Version     int
}

// Results is one page of a search.
type Results struct {
	Items   []Summary
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages of results.
func (r Results) Pages() int {
	if r.PerPage <= 0 {
		return 0
	}
	return (r.Total + r.PerPage - 1) / r.PerPage
}

// maxQueryWords bounds the words a search uses: enough for any real query,
// and a 1,000-character paste cannot turn into a thousand-term query.
const maxQueryWords = 12

// Search finds published procedures. Words are folded (no diacritics, lower
// case), so quotes, operators and SQL in the input are just text, and each
// must be a word of the procedure or the beginning of one. Matches in the
// name come first: the name equal to the words, then the words as a phrase
// in the name, then all words in the name, then matches elsewhere; within
// each rank, the shorter name first, then the code.
func (s *Service) Search(ctx context.Context, q Query) (Results, error) {
	const op = "catalog.Search"
	if q.PerPage <= 0 || q.PerPage > 100 {
		q.PerPage = 20
	}
	if q.Page <= 0 {
		q.Page = 1
	}
	res := Results{Page: q.Page, PerPage: q.PerPage, Items: []Summary{}}
	idx, err := s.index(ctx)
	if err != nil {
		return res, errs.Wrap(op, err)
	}
	words := fold.Words(q.Text)
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	type hit struct {
		e    *entry
		tier int
	}
	var hits []hit
	if len(words) == 0 {
		for i := range idx.entries {
			if e := &idx.entries[i]; e.keep(q) {
				hits = append(hits, hit{e: e})
			}
		}
	} else {
		phrase := strings.Join(words, " ")
		for _, i := range idx.matching(words) {
			if e := &idx.entries[i]; e.keep(q) {
				hits = append(hits, hit{e, nameTier(e.name, phrase, words)})
			}
		}
		slices.SortStableFunc(hits, func(a, b hit) int {
			if a.tier != b.tier {
				return a.tier - b.tier
			}
			if d := len(a.e.name) - len(b.e.name); d != 0 {
				return d
			}
			return strings.Compare(a.e.sum.Code, b.e.sum.Code)
		})
	}
	res.Total = len(hits)
	for i := (q.Page - 1) * q.PerPage; i < len(hits) && i < q.Page*q.PerPage; i++ {
		res.Items = append(res.Items, hits[i].e.sum)
	}
	return res, nil
}

// nameTier ranks how well the folded name matches the words; lower is better.
func nameTier(name, phrase string, words []string) int {
	bare := strings.TrimPrefix(name, "thu tuc ")
	switch {
	case name == phrase || bare == phrase:
		return 0
	case strings.Contains(" "+name+" ", " "+phrase+" "):
		return 1
	}
	nameWords := strings.Fields(name)
	all := true
	for _, w := range words {
		found := false
		for _, nw := range nameWords {
			if strings.HasPrefix(nw, w) {
				found = true
				break
			}
		}
		all = all && found
	}
	if all {
		return 2
	}
	return 3
}
