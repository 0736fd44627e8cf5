package embedded_test

import (
	"context"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
)

var ctx = context.Background()

// open opens a store in dir ("" in memory) and closes it after the test.
func open(t testing.TB, dir string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
