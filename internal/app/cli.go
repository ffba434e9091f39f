package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
)

// operator is the principal of the command line: whoever can run the
// binary against the database already holds the keys to everything.
func operator(env Env) *authz.Principal {
	name := env.Getenv("USER")
	if name == "" {
		name = "operator"
	}
	return &authz.Principal{Kind: authz.Operator, Name: "cli:" + name}
}

// cliError renders a service error for the terminal, listing field problems.
func cliError(err error) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString("invalid input:")
	for _, f := range slices.Sorted(maps.Keys(e.Fields)) {
		m := e.Fields[f]
		fmt.Fprintf(&b, "\n  %s: %s %v", f, m.Key, m.Args)
	}
	return errors.New(b.String())
}

func migrateCmd(ctx context.Context, args []string, env Env) error {
	c, _, err := parse("migrate", args, env, nil)
	if err != nil {
		return err
	}
	k, err := open(ctx, c, env, newLogger(c, env.Stderr))
	if err != nil {
		return err
	}
	defer k.close()
	fmt.Fprintf(env.Stdout, "database %s is up to date\n", k.db)
	return nil
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// parseRoles reads ROLE or ROLE@AGENCY.
func parseRoles(vs []string) ([]identity.RoleInput, error) {
	var out []identity.RoleInput
	for _, v := range vs {
		for part := range strings.SplitSeq(v, ",") {
			role, at, _ := strings.Cut(strings.TrimSpace(part), "@")
			if !authz.Role(role).Valid() {
				return nil, usagef("unknown role %q (roles: %s)", role, roleList())
			}
			out = append(out, identity.RoleInput{Role: authz.Role(role), AgencyCode: at})
		}
	}
	return out, nil
}

func roleList() string {
	var s []string
	for _, r := range authz.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func userCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "add" {
		return usagef("usage: motcua user add --username U --name \"Full Name\" --agency CODE --role ROLE[@CODE] [--password-file F]")
	}
	var username, name, agencyCode, email, phone, pwFile string
	var roles multi
	c, _, err := parse("user", args[1:], env, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "sign-in name (lower case, digits, . _ -)")
		fs.StringVar(&name, "name", "", "full name, with diacritics")
		fs.StringVar(&agencyCode, "agency", "", "electronic identifier code of the official's agency, e.g. H26.12")
		fs.Var(&roles, "role", "role, optionally at another agency: specialist or leader@H26.12 (repeatable; roles: "+roleList()+")")
		fs.StringVar(&email, "email", "", "e-mail address")
		fs.StringVar(&phone, "phone", "", "phone number")
		fs.StringVar(&pwFile, "password-file", "", "read the password from this file (otherwise from a prompt, or the first line of standard input)")
	})
	if err != nil {
		return err
	}
	if username == "" || name == "" || agencyCode == "" {
		return usagef("--username, --name and --agency are required")
	}
	rs, err := parseRoles(roles)
	if err != nil {
		return err
	}
	pw, err := readPassword(env, pwFile)
	if err != nil {
		return err
	}
	k, err := open(ctx, c, env, newLogger(c, env.Stderr))
	if err != nil {
		return err
	}
	defer k.close()
	acc, err := k.identity.CreateAccount(ctx, operator(env), identity.AccountInput{Username: username, FullName: name,
		AgencyCode: agencyCode, Roles: rs, Password: pw, Email: email, Phone: phone})
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(env.Stdout, "created official %s (%s) at %s with %d role(s)\n", acc.Username, acc.FullName, agencyCode, len(acc.Grants))
	return nil
}

// readPassword never takes the password from a flag, where it would sit in
// the shell history and the process list.
func readPassword(env Env, file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		return strings.TrimRight(strings.SplitN(string(b), "\n", 2)[0], "\r"), nil
	}
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.Stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(env.Stderr, "Repeat password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), nil
	}
	if env.Stdin == nil {
		return "", errors.New("no password: use --password-file or standard input")
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: use --password-file or standard input")
	}
	return line, nil
}

func tokenCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: motcua token create (--user U | --system NAME --agency CODE --role ROLE …) [--name N] [--ttl 2160h]")
	}
	var user, system, agencyCode, name string
	var ttl time.Duration
	var roles multi
	c, _, err := parse("token", args[1:], env, func(fs *flag.FlagSet) {
		fs.StringVar(&user, "user", "", "issue the token for this official's account")
		fs.StringVar(&system, "system", "", "issue the token for a system account with this name (created if missing)")
		fs.StringVar(&agencyCode, "agency", "", "with --system: the system's agency")
		fs.Var(&roles, "role", "with --system: a role (repeatable)")
		fs.StringVar(&name, "name", "", "what the token is for, shown in the audit log")
		fs.DurationVar(&ttl, "ttl", 90*24*time.Hour, "lifetime; 0 for a token that does not expire")
	})
	if err != nil {
		return err
	}
	if (user == "") == (system == "") {
		return usagef("give exactly one of --user or --system")
	}
	k, err := open(ctx, c, env, newLogger(c, env.Stderr))
	if err != nil {
		return err
	}
	defer k.close()
	op := operator(env)
	if system != "" {
		rs, err := parseRoles(roles)
		if err != nil {
			return err
		}
		_, err = k.identity.CreateAccount(ctx, op, identity.AccountInput{Kind: "system", Username: system, FullName: system,
			AgencyCode: agencyCode, Roles: rs})
		if err != nil {
			if e, ok := errs.As(err); !ok || e.Fields["username"].Key != "account.username.taken" {
				return cliError(err)
			}
		}
		user = system
	}
	tok, err := k.identity.CreateToken(ctx, op, user, name, ttl)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintln(env.Stdout, tok)
	return nil
}

func auditCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "verify" {
		return usagef("usage: motcua audit verify")
	}
	c, _, err := parse("audit", args[1:], env, nil)
	if err != nil {
		return err
	}
	k, err := open(ctx, c, env, newLogger(c, env.Stderr))
	if err != nil {
		return err
	}
	defer k.close()
	res, err := k.audit.Verify(ctx, k.db)
	if err != nil {
		return err
	}
	if !res.OK {
		fmt.Fprintf(env.Stdout, "BROKEN at record %d: %s\n", res.Broken, res.Reason)
		return fmt.Errorf("audit log does not verify (first bad record: %d)", res.Broken)
	}
	fmt.Fprintf(env.Stdout, "OK: %d records, hash chain intact\n", res.Records)
	return nil
}

func catalogCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "export") {
		return usagef("usage: motcua catalog import [--publish] FILE.json | motcua catalog export > FILE.json")
	}
	var publish bool
	c, fs, err := parse("catalog", args[1:], env, func(fs *flag.FlagSet) {
		if args[0] == "import" {
			fs.BoolVar(&publish, "publish", false, "publish every imported procedure at once")
		}
	})
	if err != nil {
		return err
	}
	k, err := open(ctx, c, env, newLogger(c, env.Stderr))
	if err != nil {
		return err
	}
	defer k.close()
	if args[0] == "export" {
		b, err := k.catalog.Export(ctx)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(b)
	}
	if fs.NArg() != 1 {
		return usagef("give the file to import")
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := catalog.DecodeBundle(raw)
	if err != nil {
		return cliError(err)
	}
	res, err := k.catalog.Import(ctx, operator(env), b, publish)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(env.Stdout, "imported %d fields and %d procedures (%d published)\n", res.Fields, res.Procedures, res.Published)
	return nil
}

// agencyCmd holds the agency settings that belong to the deployment rather
// than to the agency's own administrator.
func agencyCmd(ctx context.Context, args []string, env Env) error {
	const use = "usage: motcua agency code-format CODE A | motcua agency code-format CODE B OWNER"
	if len(args) == 0 || args[0] != "code-format" {
		return usagef(use)
	}
	c, fs, err := parse("agency", args[1:], env, nil)
	if err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 2 || len(rest) > 3 {
		return usagef(use)
	}
	owner := ""
	if len(rest) == 3 {
		owner = rest[2]
	}
	k, err := open(ctx, c, env, newLogger(c, env.Stderr))
	if err != nil {
		return err
	}
	defer k.close()
	a, err := k.agencies.SetCodeFormat(ctx, operator(env), rest[0], rest[1], owner)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(env.Stdout, "%s: dossier codes in format %s%s from now on\n", a.Code, a.CodeFormat, map[bool]string{true: " (system owner " + a.CodeOwner + ")"}[a.CodeOwner != ""])
	return nil
}
