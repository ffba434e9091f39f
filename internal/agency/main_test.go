package agency_test

import (
	"os"
	"testing"

	"github.com/motcua/motcua/internal/db/dbtest"
)

// TestMain stops the PostgreSQL cluster that dbtest starts for the service
// tests. It lives in the external test package; the internal tests
// (code_test.go, adminunit_test.go) need no database and share the binary.
func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
