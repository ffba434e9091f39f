package app

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the server, built once in Main from flags and
// MOTCUA_* variables and passed down; nothing reads the environment later.
type Config struct {
	Addr            string
	DB              string
	Data            string
	Demo            bool
	DevIdP          bool
	BaseURL         string
	OIDCIssuer      string
	OIDCClientID    string
	OIDCSecret      string
	OIDCIDClaim     string
	TrustProxy      bool
	ShutdownTimeout time.Duration
	LogLevel        string
	LogFormat       string
	FilesDir        string
	S3Endpoint      string
	S3Bucket        string
	S3Region        string
	S3AccessKey     string
	S3SecretKey     string
	S3TLS           bool
	S3Prefix        string
	SMTPAddr        string
	SMTPFrom        string
	SMTPUsername    string
	SMTPPassword    string
	SMTPTLS         string
	MaxFileMB       int
	MaxDossierMB    int
	Index766        string
}

// option is one setting: its flag, its variable, its default and help.
// The table is the single source of the flags, the environment variables
// and the configuration table in the README.
type option struct {
	flag, env, def, help string
	secret               bool // may also come from ENV_FILE
	bind                 func(c *Config) any
}

var options = []option{
	{"addr", "MOTCUA_ADDR", "127.0.0.1:8080", "address to listen on", false, func(c *Config) any { return &c.Addr }},
	{"db", "MOTCUA_DB", "", "database DSN: sqlite:PATH or postgres://user:pass@host/db (default sqlite:DATA/motcua.db)", true, func(c *Config) any { return &c.DB }},
	{"data", "MOTCUA_DATA", "./motcua-data", "directory for the SQLite database and stored files", false, func(c *Config) any { return &c.Data }},
	{"demo", "MOTCUA_DEMO", "false", "load the demo data set into an empty database and enable the development identity provider", false, func(c *Config) any { return &c.Demo }},
	{"dev-idp", "MOTCUA_DEV_IDP", "false", "serve the development OpenID provider at /dev-idp (never in production)", false, func(c *Config) any { return &c.DevIdP }},
	{"base-url", "MOTCUA_BASE_URL", "", "public URL of this server, e.g. https://dichvucong.example.gov.vn (default http://ADDR)", false, func(c *Config) any { return &c.BaseURL }},
	{"oidc-issuer", "MOTCUA_OIDC_ISSUER", "", "OpenID Connect issuer for citizen sign-in (national e-ID); with --demo the development provider is used when empty", false, func(c *Config) any { return &c.OIDCIssuer }},
	{"oidc-client-id", "MOTCUA_OIDC_CLIENT_ID", "", "OpenID Connect client id", false, func(c *Config) any { return &c.OIDCClientID }},
	{"oidc-client-secret", "MOTCUA_OIDC_CLIENT_SECRET", "", "OpenID Connect client secret", true, func(c *Config) any { return &c.OIDCSecret }},
	{"oidc-national-id-claim", "MOTCUA_OIDC_NATIONAL_ID_CLAIM", "national_id", "claim that carries the 12-digit personal identification number", false, func(c *Config) any { return &c.OIDCIDClaim }},
	{"trust-proxy", "MOTCUA_TRUST_PROXY", "false", "trust X-Forwarded-For and X-Request-Id from a reverse proxy", false, func(c *Config) any { return &c.TrustProxy }},
	{"shutdown-timeout", "MOTCUA_SHUTDOWN_TIMEOUT", "15s", "how long to let in-flight requests finish on SIGTERM", false, func(c *Config) any { return &c.ShutdownTimeout }},
	{"log-level", "MOTCUA_LOG_LEVEL", "info", "debug, info, warn or error", false, func(c *Config) any { return &c.LogLevel }},
	{"log-format", "MOTCUA_LOG_FORMAT", "text", "text or json", false, func(c *Config) any { return &c.LogFormat }},
	{"files-dir", "MOTCUA_FILES_DIR", "", "directory for stored files when no S3 store is set (default DATA/files)", false, func(c *Config) any { return &c.FilesDir }},
	{"s3-endpoint", "MOTCUA_S3_ENDPOINT", "", "S3-compatible object store host[:port]; files go there instead of the disk", false, func(c *Config) any { return &c.S3Endpoint }},
	{"s3-bucket", "MOTCUA_S3_BUCKET", "", "bucket for stored files (must exist)", false, func(c *Config) any { return &c.S3Bucket }},
	{"s3-region", "MOTCUA_S3_REGION", "", "signing region (default us-east-1)", false, func(c *Config) any { return &c.S3Region }},
	{"s3-access-key", "MOTCUA_S3_ACCESS_KEY", "", "S3 access key", false, func(c *Config) any { return &c.S3AccessKey }},
	{"s3-secret-key", "MOTCUA_S3_SECRET_KEY", "", "S3 secret key", true, func(c *Config) any { return &c.S3SecretKey }},
	{"s3-tls", "MOTCUA_S3_TLS", "true", "use HTTPS to reach the object store", false, func(c *Config) any { return &c.S3TLS }},
	{"s3-prefix", "MOTCUA_S3_PREFIX", "", "key prefix inside the bucket, e.g. motcua/", false, func(c *Config) any { return &c.S3Prefix }},
	{"smtp-addr", "MOTCUA_SMTP_ADDR", "", "SMTP server host:port for e-mail notifications (none: messages are kept in the back office only)", false, func(c *Config) any { return &c.SMTPAddr }},
	{"smtp-from", "MOTCUA_SMTP_FROM", "", "sender address of notifications", false, func(c *Config) any { return &c.SMTPFrom }},
	{"smtp-username", "MOTCUA_SMTP_USERNAME", "", "SMTP user name", false, func(c *Config) any { return &c.SMTPUsername }},
	{"smtp-password", "MOTCUA_SMTP_PASSWORD", "", "SMTP password", true, func(c *Config) any { return &c.SMTPPassword }},
	{"smtp-tls", "MOTCUA_SMTP_TLS", "starttls", "none, starttls or implicit", false, func(c *Config) any { return &c.SMTPTLS }},
	{"max-file-mb", "MOTCUA_MAX_FILE_MB", "20", "largest attachment, in MB", false, func(c *Config) any { return &c.MaxFileMB }},
	{"max-dossier-mb", "MOTCUA_MAX_DOSSIER_MB", "100", "all attachments of one dossier, in MB", false, func(c *Config) any { return &c.MaxDossierMB }},
	{"index766", "MOTCUA_INDEX766", "", "JSON file with the scoring of the 766 index (default: the shipped one, see docs/index766.md)", false, func(c *Config) any { return &c.Index766 }},
}

// commandOptions says which options each command takes.
var commandOptions = map[string][]string{
	"serve":   nil, // all
	"migrate": {"db", "data", "log-level", "log-format"},
	"user":    {"db", "data", "log-level", "log-format"},
	"token":   {"db", "data", "log-level", "log-format"},
	"audit":   {"db", "data", "log-level", "log-format"},
	"catalog": {"db", "data", "log-level", "log-format"},
}

// bindOptions declares the command's options on fs, with defaults taken from
// the environment where set. Flags given on the command line win.
func bindOptions(fs *flag.FlagSet, cmd string, c *Config, getenv func(string) string) error {
	want := commandOptions[cmd]
	for _, o := range options {
		if want != nil && !contains(want, o.flag) {
			continue
		}
		def := o.def
		if v := getenv(o.env); v != "" {
			def = v
		} else if o.secret {
			if f := getenv(o.env + "_FILE"); f != "" {
				b, err := os.ReadFile(f)
				if err != nil {
					return fmt.Errorf("%s_FILE: %w", o.env, err)
				}
				def = strings.TrimSpace(string(b))
			}
		}
		help := fmt.Sprintf("%s (env %s", o.help, o.env)
		if o.secret {
			help += ", or " + o.env + "_FILE"
		}
		help += ")"
		switch p := o.bind(c).(type) {
		case *string:
			fs.StringVar(p, o.flag, def, help)
		case *bool:
			b, err := strconv.ParseBool(def)
			if err != nil {
				return fmt.Errorf("%s=%q: want true or false", o.env, def)
			}
			fs.BoolVar(p, o.flag, b, help)
		case *int:
			n, err := strconv.Atoi(def)
			if err != nil || n <= 0 {
				return fmt.Errorf("%s=%q: want a positive whole number", o.env, def)
			}
			fs.IntVar(p, o.flag, n, help)
		case *time.Duration:
			d, err := time.ParseDuration(def)
			if err != nil {
				return fmt.Errorf("%s=%q: want a duration such as 15s", o.env, def)
			}
			fs.DurationVar(p, o.flag, d, help)
		}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// finish fills the derived defaults and checks the settings together.
func (c *Config) finish() error {
	if c.Data == "" {
		c.Data = "./motcua-data"
	}
	if c.DB == "" {
		c.DB = "sqlite:" + filepath.Join(c.Data, "motcua.db")
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return fmt.Errorf("--base-url (MOTCUA_BASE_URL) %q: must start with http:// or https://", c.BaseURL)
	}
	if c.Demo {
		c.DevIdP = true
	}
	if c.FilesDir == "" {
		c.FilesDir = filepath.Join(c.Data, "files")
	}
	if c.S3Endpoint != "" && c.S3Bucket == "" {
		return fmt.Errorf("--s3-endpoint is set: --s3-bucket (MOTCUA_S3_BUCKET) is required too")
	}
	if c.SMTPAddr != "" && c.SMTPFrom == "" {
		return fmt.Errorf("--smtp-addr is set: --smtp-from (MOTCUA_SMTP_FROM) is required too")
	}
	if c.OIDCIssuer != "" && (c.OIDCClientID == "" || c.OIDCSecret == "") {
		return fmt.Errorf("--oidc-issuer is set: --oidc-client-id and --oidc-client-secret (MOTCUA_OIDC_CLIENT_ID, MOTCUA_OIDC_CLIENT_SECRET) are required too")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format (MOTCUA_LOG_FORMAT) %q: want text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level (MOTCUA_LOG_LEVEL) %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// secureCookies reports whether the public URL is HTTPS.
func (c *Config) secureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }
