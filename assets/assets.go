// Package assets embeds what the app ships besides code: translations
// (vi, en), the procedure catalogue and, later, icons and fonts.
package assets

import (
	"embed"
	"os"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/wallet"
)

//go:embed translations
var translations embed.FS

// UseLanguage loads the app's translations and selects "vi" or "en".
// Vietnamese is the first language: "" picks English only when the
// system's language is English, Vietnamese otherwise.
//
// Fyne chooses the language from the system locale; on desktop systems it
// reads LANGUAGE first, so the choice is made by setting it before the
// bundles are loaded (loading re-reads the locale).
func UseLanguage(code string) error {
	if code == "" {
		code = "vi"
		if strings.HasPrefix(lang.SystemLocale().LanguageString(), "en") {
			code = "en"
		}
	}
	if err := os.Setenv("LANGUAGE", code); err != nil {
		return err
	}
	return lang.AddTranslationsFS(translations, "translations")
}

//go:embed procedures/procedures.json
var procedures []byte

// Procedures parses the bundled procedure catalogue (vi, en): the
// administrative procedures the wallet proposes disclosures for.
func Procedures() (*wallet.Catalogue, error) {
	return wallet.ParseCatalogue(procedures)
}
