package views

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// History lists every consent: what, to whom, its state, its uses, and a
// revoke button while it is active.
type History struct {
	Rows    []viewmodel.ConsentRow
	Revokes map[string]*widget.Button
	Status  *widget.Label
	list    *fyne.Container
	Root    fyne.CanvasObject
}

// NewHistory builds the history screen; onBack returns home.
func NewHistory(w *viewmodel.Wallet, onBack func()) *History {
	h := &History{Status: widget.NewLabel(""), list: container.NewVBox()}
	h.Status.Wrapping = fyne.TextWrapWord
	h.Status.Hide()
	h.fill(w)
	back := newButton(lang.L("Back"), onBack)
	header := container.NewBorder(nil, nil, back, nil, widget.NewLabelWithStyle(lang.L("Sharing history"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}))
	h.Root = container.NewBorder(container.NewVBox(header, h.Status), nil, nil, nil, container.NewVScroll(h.list))
	return h
}

func (h *History) fill(w *viewmodel.Wallet) {
	h.list.RemoveAll()
	h.Revokes = map[string]*widget.Button{}
	rows, err := w.Consents()
	if err != nil {
		h.setStatus(err.Error())
		return
	}
	h.Rows = rows
	if len(rows) == 0 {
		h.setStatus(lang.L("You have not shared anything yet."))
	}
	for _, r := range rows {
		r := r
		lines := []string{
			lang.L("To") + ": " + r.Recipient,
			lang.L("Status") + ": " + r.State + " · " + r.Given + " → " + r.Expires,
			lang.L("Fields") + ":\n• " + strings.Join(r.Fields, "\n• "),
		}
		if len(r.Uses) > 0 {
			lines = append(lines, lang.L("Used")+":\n• "+strings.Join(r.Uses, "\n• "))
		} else {
			lines = append(lines, lang.L("No known use yet."))
		}
		body := widget.NewLabel(strings.Join(lines, "\n"))
		body.Wrapping = fyne.TextWrapWord
		card := container.NewVBox(widget.NewLabelWithStyle(r.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), body)
		if r.Active {
			b := newButton(lang.L("Revoke"), func() {
				if err := w.Revoke(r.ID); err != nil {
					h.setStatus(err.Error())
					return
				}
				h.setStatus(lang.L("Revoked. The warehouse and counters learn it at your next sync."))
				h.fill(w)
			})
			b.Importance = widget.DangerImportance
			h.Revokes[r.ID] = b
			card.Add(b)
		}
		h.list.Add(card)
		h.list.Add(widget.NewSeparator())
	}
	h.list.Refresh()
}

func (h *History) setStatus(text string) {
	h.Status.SetText(text)
	h.Status.Show()
}
