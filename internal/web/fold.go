package web

import (
	"errors"
	"html/template"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/template/parse"
	"unicode/utf8"

	"github.com/motcua/motcua/internal/locale"
)

// Every page says most of its words through {{.T "key"}}: a method call
// by reflection per word, a quarter of the time of rendering the layout.
// The words of a key without arguments are fixed for a language, so each
// language gets its own parse of the templates with those calls replaced
// by their text, once the templates are escaped (so that escaping still
// decides, per context, what the text must look like). Config.
// VerifyTemplates renders every page both ways and fails on a difference.

// foldLang escapes a parsed page set and folds one language's
// translations into it.
func foldLang(t *template.Template, cat *locale.Catalog, lang locale.Lang) error {
	// html/template escapes a set on its first execution; the data does
	// not matter for that, and a page that fails on empty data has still
	// been escaped. Only escaping errors are errors here.
	err := t.Execute(io.Discard, &Page{Lang: lang, cat: cat, Form: url.Values{}, Errors: map[string]string{}, Data: map[string]any{}})
	var escErr *template.Error
	if errors.As(err, &escErr) {
		return err
	}
	f := folder{tr: func(key string) string { return cat.T(lang, key) }}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			f.list(tt.Tree.Root, false)
		}
	}
	return nil
}

// folder rewrites escaped parse trees.
type folder struct {
	tr func(key string) string
}

// list folds the nodes of l; rebound tells whether dot may not be the
// page there (inside range and with), where only $.T is folded.
func (f folder) list(l *parse.ListNode, rebound bool) {
	if l == nil {
		return
	}
	for i, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			if text, ok := f.action(n, rebound); ok {
				l.Nodes[i] = &parse.TextNode{NodeType: parse.NodeText, Pos: n.Pos, Text: []byte(text)}
			}
		case *parse.IfNode:
			f.branch(&n.BranchNode, rebound, rebound)
		case *parse.RangeNode:
			f.branch(&n.BranchNode, rebound, true)
		case *parse.WithNode:
			f.branch(&n.BranchNode, rebound, true)
		case *parse.TemplateNode:
			f.pipe(n.Pipe, rebound)
		}
	}
}

// branch folds an if, range or with: its pipeline and else branch where
// dot is as around it, its body where dot is as inside (rebound for range
// and with).
func (f folder) branch(b *parse.BranchNode, rebound, inside bool) {
	f.pipe(b.Pipe, rebound)
	f.list(b.List, inside)
	f.list(b.ElseList, rebound)
}

// htmlEscapers are html/template's escapers whose output for a plain
// string is htmlEscape's.
var htmlEscapers = map[string]bool{
	"_html_template_htmlescaper":   true,
	"_html_template_attrescaper":   true,
	"_html_template_rcdataescaper": true,
}

// action folds an action: one that only prints a translation through an
// HTML escaper becomes its escaped text (ok); any other has its
// translations turned into string constants, escaped as they were.
func (f folder) action(a *parse.ActionNode, rebound bool) (text string, ok bool) {
	p := a.Pipe
	if len(p.Decl) == 0 && len(p.Cmds) == 2 {
		if key, found := f.translation(p.Cmds[0], rebound); found {
			if esc, isIdent := p.Cmds[1].Args[0].(*parse.IdentifierNode); isIdent && len(p.Cmds[1].Args) == 1 && htmlEscapers[esc.Ident] {
				if s, safe := htmlEscape(f.tr(key)); safe {
					return s, true
				}
			}
		}
	}
	f.pipe(p, rebound)
	return "", false
}

// pipe turns the translations in p's commands, and in the pipelines
// among their arguments, into string constants.
func (f folder) pipe(p *parse.PipeNode, rebound bool) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		if key, ok := f.translation(c, rebound); ok {
			c.Args = []parse.Node{f.constant(c.Args[1].(*parse.StringNode), key)}
			continue
		}
		for i, arg := range c.Args {
			sub, isPipe := arg.(*parse.PipeNode)
			if !isPipe {
				continue
			}
			if len(sub.Decl) == 0 && len(sub.Cmds) == 1 {
				if key, ok := f.translation(sub.Cmds[0], rebound); ok {
					c.Args[i] = f.constant(sub.Cmds[0].Args[1].(*parse.StringNode), key)
					continue
				}
			}
			f.pipe(sub, rebound)
		}
	}
}

// constant is a string constant with the translation of key, made from
// the key's own node (which carries the parse tree errors refer to).
func (f folder) constant(keyNode *parse.StringNode, key string) *parse.StringNode {
	s := *keyNode
	s.Text = f.tr(key)
	s.Quoted = strconv.Quote(s.Text)
	return &s
}

// translation reports whether c is .T "key" (dot being the page) or
// $.T "key", and its key.
func (f folder) translation(c *parse.CommandNode, rebound bool) (string, bool) {
	if len(c.Args) != 2 {
		return "", false
	}
	key, ok := c.Args[1].(*parse.StringNode)
	if !ok {
		return "", false
	}
	switch m := c.Args[0].(type) {
	case *parse.FieldNode:
		if !rebound && len(m.Ident) == 1 && m.Ident[0] == "T" {
			return key.Text, true
		}
	case *parse.VariableNode:
		if len(m.Ident) == 2 && m.Ident[0] == "$" && m.Ident[1] == "T" {
			return key.Text, true
		}
	}
	return "", false
}

// htmlEscape escapes s as html/template escapes a plain string in text
// and quoted attributes; safe is false for the rare runes it treats
// otherwise, which are left to it.
func htmlEscape(s string) (out string, safe bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == 0 || r == utf8.RuneError || 0xfdd0 <= r && r <= 0xfdef || 0xfff0 <= r && r <= 0xffff:
			return "", false
		case r == '"':
			b.WriteString("&#34;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '+':
			b.WriteString("&#43;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), true
}
