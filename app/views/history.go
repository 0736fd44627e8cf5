package views

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// History lists every consent: what, to whom, its state, its uses, and
// while it is active buttons to show its QR again and to revoke it (after
// a confirmation naming the office and what it will no longer get; the
// revocation is sent at once when there is signal).
type History struct {
	Rows      []viewmodel.ConsentRow
	Revokes   map[string]*widget.Button
	ShowAgain map[string]*widget.Button
	Status    *widget.Label
	// Sent is closed when the last revocation's sending ended (tests
	// wait on it).
	Sent     chan struct{}
	win      fyne.Window
	onShowQR func(*viewmodel.SharedQR)
	list     *fyne.Container
	Root     fyne.CanvasObject
}

// NewHistory builds the history screen in win; onBack returns home,
// onShowQR shows a consent's QR again.
func NewHistory(w *viewmodel.Wallet, win fyne.Window, onBack func(), onShowQR func(*viewmodel.SharedQR)) *History {
	h := &History{Status: widget.NewLabel(""), list: container.NewVBox(), win: win, onShowQR: onShowQR}
	h.Status.Wrapping = fyne.TextWrapWord
	h.Status.Hide()
	h.fill(w)
	if p := w.PendingRevocations(); p != "" {
		h.setStatus(p)
	}
	back := newButton(lang.L("Back"), onBack)
	header := container.NewBorder(nil, nil, back, nil, widget.NewLabelWithStyle(lang.L("Sharing history"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}))
	h.Root = container.NewBorder(container.NewVBox(header, h.Status), nil, nil, nil, container.NewVScroll(h.list))
	return h
}

func (h *History) fill(w *viewmodel.Wallet) {
	h.list.RemoveAll()
	h.Revokes = map[string]*widget.Button{}
	h.ShowAgain = map[string]*widget.Button{}
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
			lang.L("Status") + ": " + r.State + " · " + lang.L("from {{.Given}} to {{.Expires}}", map[string]any{"Given": r.Given, "Expires": r.Expires}),
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
			again := newButton(lang.L("Show the QR code again"), func() {
				q, err := w.ShowAgain(r.ID)
				if err != nil {
					h.setStatus(err.Error())
					h.fill(w)
					return
				}
				h.onShowQR(q)
			})
			again.Importance = widget.HighImportance
			h.ShowAgain[r.ID] = again
			b := newButton(lang.L("Revoke"), func() { h.confirmRevoke(w, r) })
			b.Importance = widget.DangerImportance
			h.Revokes[r.ID] = b
			card.Add(again)
			card.Add(b)
		}
		h.list.Add(card)
		h.list.Add(widget.NewSeparator())
	}
	h.list.Refresh()
}

// confirmRevoke asks before revoking r, naming the office and the fields
// it will no longer get; then revokes and sends the revocation off the UI
// goroutine.
func (h *History) confirmRevoke(w *viewmodel.Wallet, r viewmodel.ConsentRow) {
	msg := lang.L("{{.Office}} will no longer be able to use:", map[string]any{"Office": r.Recipient}) + "\n• " + strings.Join(r.Fields, "\n• ") +
		"\n\n" + lang.L("A counter that already read the code keeps what it read.")
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("Revoke this consent?"), lang.L("Revoke"), lang.L("Keep it"), text, func(ok bool) {
		used()
		if !ok {
			return
		}
		if err := w.Revoke(r.ID); err != nil {
			h.setStatus(err.Error())
			return
		}
		h.setStatus(lang.L("Revoked on this phone. Sending it to the warehouse…"))
		h.fill(w)
		sent := make(chan struct{})
		h.Sent = sent
		go func() {
			status := w.SendRevocations()
			fyne.Do(func() {
				h.setStatus(status)
				close(sent)
			})
		}()
	}, h.win)
	d.Resize(fyne.NewSize(min(h.win.Canvas().Size().Width-16, 480), 0))
	d.Show()
}

func (h *History) setStatus(text string) {
	h.Status.SetText(text)
	h.Status.Show()
}
