package views

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Home lists the record domains with their counts.
type Home struct {
	Title   *widget.Label
	Domains *widget.List
	Error   *widget.Label
	Rows    []viewmodel.DomainRow
	Root    fyne.CanvasObject
}

// NewHome builds the home screen. onDomain opens a domain; onLock locks.
func NewHome(w *viewmodel.Wallet, onDomain func(wallet.Domain), onLock func()) *Home {
	h := &Home{Title: widget.NewLabel(""), Error: widget.NewLabel("")}
	h.Error.Wrapping = fyne.TextWrapWord
	h.Error.Importance = widget.DangerImportance
	if p, err := w.Profile(); err == nil {
		h.Title.SetText(p.FullName)
	}
	h.Title.TextStyle = fyne.TextStyle{Bold: true}
	rows, err := w.Domains()
	if err != nil {
		h.Error.SetText(viewmodel.ErrorText(err))
	}
	h.Rows = rows
	h.Domains = widget.NewList(
		func() int { return len(h.Rows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := h.Rows[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s (%d)", r.Label, r.Count))
		},
	)
	h.Domains.OnSelected = func(i widget.ListItemID) {
		h.Domains.UnselectAll()
		onDomain(h.Rows[i].Domain)
	}
	lock := widget.NewButton(lang.L("Lock"), onLock)
	top := container.NewBorder(nil, nil, nil, lock, h.Title)
	h.Root = container.NewBorder(container.NewVBox(top, h.Error), nil, nil, nil, h.Domains)
	return h
}

// RecordList lists one domain's records.
type RecordList struct {
	Records *widget.List
	Rows    []viewmodel.RecordRow
	Empty   *widget.Label
	Root    fyne.CanvasObject
}

// NewRecordList builds one domain's record list; onBack returns home.
func NewRecordList(w *viewmodel.Wallet, d wallet.Domain, onBack func()) *RecordList {
	l := &RecordList{Empty: widget.NewLabel("")}
	rows, err := w.Records(d)
	switch {
	case err != nil:
		l.Empty.SetText(viewmodel.ErrorText(err))
	case len(rows) == 0:
		l.Empty.SetText(lang.L("No records yet. Sync to fetch them from the province."))
	}
	l.Rows = rows
	l.Records = widget.NewList(
		func() int { return len(l.Rows) },
		func() fyne.CanvasObject {
			return container.NewVBox(widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), widget.NewLabel(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := l.Rows[i]
			box := o.(*fyne.Container)
			title := r.Title
			if r.Withdrawn {
				title += " — " + lang.L("withdrawn")
			}
			box.Objects[0].(*widget.Label).SetText(title)
			box.Objects[1].(*widget.Label).SetText(fmt.Sprintf("%s · %s", r.Issuer, r.Issued))
		},
	)
	back := widget.NewButton(lang.L("Back"), onBack)
	header := container.NewBorder(nil, nil, back, nil, widget.NewLabelWithStyle(viewmodel.DomainLabel(d), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}))
	l.Root = container.NewBorder(container.NewVBox(header, l.Empty), nil, nil, nil, l.Records)
	return l
}
