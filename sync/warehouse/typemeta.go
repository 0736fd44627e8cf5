package warehouse

import (
	"net/http"

	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// PathTypeMetadata is where the warehouse serves the SD-JWT VC Type
// Metadata document of each record type, by its code:
// /.well-known/vct/identity.citizen describes the credentials whose vct is
// urn:vn:<province>:vct:identity.citizen. Public and unauthenticated: a
// verifier of another system fetches it to show the fields with their
// Vietnamese names.
const PathTypeMetadata = "/.well-known/vct/"

// citizenField is the claim every credential adds to its type's fields.
var citizenField = wallet.Field{Name: credential.ClaimCitizen, Kind: wallet.KindText,
	Label: wallet.Label{VI: "Số định danh cá nhân của người được cấp", EN: "Holder's personal identification number"}}

// recordIDField is the record id's disclosure.
var recordIDField = wallet.Field{Name: credential.ClaimRecordID, Kind: wallet.KindText,
	Label: wallet.Label{VI: "Mã giấy tờ tại kho dữ liệu", EN: "Record id at the data warehouse"}}

// handleTypeMetadata serves one type's metadata document.
func (s *Server) handleTypeMetadata(w http.ResponseWriter, r *http.Request) {
	m, err := wallet.TypeMetadataOf(s.cfg.Province, r.PathValue("code"), citizenField, recordIDField)
	if err != nil {
		writeError(w, r, http.StatusNotFound, protocol.ErrCodeNotFound, "no record type "+r.PathValue("code"))
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, r, http.StatusOK, m)
}
