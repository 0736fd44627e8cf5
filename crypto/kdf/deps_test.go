package kdf

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies enforces the layering: crypto/kdf imports no package of
// this module, and no UI, storage or network library.
func TestDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, out)
	}
	const module = "github.com/vnwallet/citizenwallet/"
	allowed := map[string]bool{module + "crypto/kdf": true}
	banned := []string{"fyne.io/", "github.com/dgraph-io/", "github.com/go-resty/", "net/http"}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, module) && !allowed[dep] {
			t.Errorf("crypto/kdf depends on %s", dep)
		}
		for _, b := range banned {
			if strings.HasPrefix(dep, b) {
				t.Errorf("crypto/kdf depends on %s", dep)
			}
		}
	}
}
