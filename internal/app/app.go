// Package app is Motcua's composition root: it reads the configuration,
// opens the store, wires the domain services to the HTML and JSON edges,
// and runs the commands of the motcua binary.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/identity"
	"github.com/motcua/motcua/internal/report"
)

// Env is the process's surroundings, passed in so tests can run commands
// with their own input, output and environment.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ready, if set, receives the server's listening address once it serves.
	Ready func(addr string)
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// VerifyTemplates has the server render every page twice and fail on a
	// difference (web.Config.VerifyTemplates): for tests.
	VerifyTemplates bool
}

const usage = `motcua — open-source digital-government platform

Usage:
  motcua serve   [flags]   migrate the database, then serve the portal, back office and API
  motcua migrate [flags]   apply database migrations and exit
  motcua user add --username U --name "Full Name" --agency CODE --role ROLE[@CODE] … [--password-file F]
  motcua token create (--user U | --system NAME --agency CODE --role ROLE …) [--name N] [--ttl 720h]
  motcua audit verify      check the audit log's hash chain
  motcua catalog import [--publish] FILE.json | motcua catalog export
  motcua agency code-format CODE A|B [OWNER]   how an agency numbers its dossiers (DESIGN §3.2)
  motcua demo [--dossiers N] [--years Y]   load the demo data set; generate N dossiers with their history

Run "motcua COMMAND --help" for the flags of a command. Every flag can also
be set with a MOTCUA_* environment variable (see "motcua serve --help").
`

// Main runs the command in args and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(env.Stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], env)
	case "migrate":
		err = migrateCmd(ctx, args[1:], env)
	case "user":
		err = userCmd(ctx, args[1:], env)
	case "token":
		err = tokenCmd(ctx, args[1:], env)
	case "audit":
		err = auditCmd(ctx, args[1:], env)
	case "catalog":
		err = catalogCmd(ctx, args[1:], env)
	case "agency":
		err = agencyCmd(ctx, args[1:], env)
	case "demo":
		err = demoCmd(ctx, args[1:], env)
	default:
		fmt.Fprintf(env.Stderr, "motcua: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(env.Stderr, "motcua %s: %s\n", args[0], ue.msg)
		return 2
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "motcua %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// parse reads a command's flags into a Config.
func parse(cmd string, args []string, env Env, extra func(fs *flag.FlagSet)) (*Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("motcua "+cmd, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var c Config
	if err := bindOptions(fs, cmd, &c, env.Getenv); err != nil {
		return nil, nil, err
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if err := c.finish(); err != nil {
		return nil, nil, err
	}
	return &c, fs, nil
}

func newLogger(c *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// core is the store and the domain services every command needs.
type core struct {
	cfg      *Config
	log      *slog.Logger
	db       *db.DB
	audit    *audit.Log
	units    *agency.AdminUnits
	agencies *agency.Service
	calendar *calendar.Service
	catalog  *catalog.Service
	identity *identity.Service
	blobs    blob.Store
	dossiers *dossier.Service
	reports  *report.Service
	notifier *dossierNotifier
	now      func() time.Time
}

// open checks the data directory, opens and migrates the database, and
// builds the services. Every failure names the setting to fix.
func open(ctx context.Context, c *Config, env Env, log *slog.Logger) (*core, error) {
	if strings.HasPrefix(c.DB, "sqlite:") {
		if err := checkWritable(c.Data); err != nil {
			return nil, fmt.Errorf("--data (MOTCUA_DATA) %s is not a writable directory: %w", c.Data, err)
		}
	}
	d, err := db.Open(ctx, c.DB, db.Options{})
	if err != nil {
		if errors.Is(err, db.ErrUnknownScheme) {
			return nil, fmt.Errorf("--db (MOTCUA_DB): %w", err)
		}
		return nil, fmt.Errorf("--db (MOTCUA_DB): %w", err)
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("migrate %s: %w", d, err)
	}
	if len(applied) > 0 {
		log.Info("database migrated", "db", d.String(), "applied", applied)
	}
	k := &core{cfg: c, log: log, db: d, audit: audit.New(env.Now), now: env.Now}
	k.agencies = agency.NewService(d, k.audit, env.Now)
	k.calendar = calendar.NewService(d, k.audit, k.agencies, nil, env.Now)
	k.identity = identity.NewService(d, k.audit, k.agencies, identity.Config{Now: env.Now})
	k.catalog = catalog.NewService(d, k.audit, k.agencies, env.Now)
	if k.blobs, err = openBlobs(ctx, c); err != nil {
		d.Close()
		return nil, err
	}
	k.notifier = &dossierNotifier{agencies: k.agencies, baseURL: c.BaseURL, email: c.SMTPAddr != "", now: env.Now}
	k.dossiers = dossier.NewService(d, k.audit, k.catalog, k.agencies, k.calendar, blobSizes{k.blobs}, k.notifier,
		dossier.Config{MaxDossierBytes: int64(c.MaxDossierMB) << 20, Now: env.Now})
	if k.units, err = agency.LoadAdminUnits(); err != nil {
		d.Close()
		return nil, err
	}
	// Statistics are kept in the transaction of every dossier change.
	k.dossiers.SetFacts(report.NewRecorder(k.calendar.Location()))
	k.reports = report.NewService(d, k.agencies, k.calendar.Location(), env.Now)
	k.reports.SetAudit(k.audit)
	k.reports.SetOfficials(k.identity)
	if c.Index766 != "" {
		ix, err := readIndexConfig(c.Index766)
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("--index766 (MOTCUA_INDEX766) %s: %w", c.Index766, err)
		}
		k.reports.SetIndexConfig(ix)
	}
	k.dossiers.SetDocuments(&eventDocuments{agencies: k.agencies, catalog: k.catalog, units: k.units, blobs: k.blobs, baseURL: c.BaseURL})
	if n, err := k.agencies.LoadAdminUnitsIntoDB(ctx, k.units); err != nil {
		d.Close()
		return nil, err
	} else if n > 0 {
		log.Info("administrative units loaded", "units", n)
	}
	shipped, err := calendar.Load()
	if err != nil {
		d.Close()
		return nil, err
	}
	if n, err := k.calendar.SeedShipped(ctx, shipped); err != nil {
		d.Close()
		return nil, err
	} else if n > 0 {
		log.Info("holidays loaded", "days", n)
	}
	// Dossiers the statistics do not know yet (a database that had them
	// before the statistics existed): once, then a cheap no-op.
	if n, err := k.dossiers.RebuildFacts(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("statistics: %w", err)
	} else if n > 0 {
		log.Info("statistics rebuilt", "dossiers", n)
	}
	return k, nil
}

func (k *core) close() error { return k.db.Close() }

// readIndexConfig reads a scoring of the 766 index.
func readIndexConfig(path string) (report.IndexConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return report.IndexConfig{}, err
	}
	defer f.Close()
	return report.ParseIndexConfig(f)
}

// openBlobs opens the file store: S3 when configured, else the disk.
func openBlobs(ctx context.Context, c *Config) (blob.Store, error) {
	if c.S3Endpoint != "" {
		s, err := blob.NewS3(ctx, blob.S3Config{Endpoint: c.S3Endpoint, Region: c.S3Region, Bucket: c.S3Bucket, AccessKey: c.S3AccessKey,
			SecretKey: c.S3SecretKey, UseTLS: c.S3TLS, Prefix: c.S3Prefix, TempDir: filepath.Join(c.Data, "tmp")})
		if err != nil {
			return nil, fmt.Errorf("--s3-endpoint (MOTCUA_S3_ENDPOINT) %s: %w", c.S3Endpoint, err)
		}
		return s, nil
	}
	if err := checkWritable(c.FilesDir); err != nil {
		return nil, fmt.Errorf("--files-dir (MOTCUA_FILES_DIR) %s is not a writable directory: %w", c.FilesDir, err)
	}
	d, err := blob.NewDisk(c.FilesDir)
	if err != nil {
		return nil, fmt.Errorf("--files-dir (MOTCUA_FILES_DIR) %s: %w", c.FilesDir, err)
	}
	return d, nil
}

// blobSizes tells the dossier service the size of stored files.
type blobSizes struct{ s blob.Store }

func (b blobSizes) Size(ctx context.Context, sum string) (int64, error) {
	i, err := b.s.Stat(ctx, sum)
	return i.Size, err
}

// checkWritable makes sure dir exists and a file can be created in it.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(filepath.Clean(name))
}
