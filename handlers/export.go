package handlers

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
)

// sendCSV answers rows as UTF-8 CSV with a byte-order mark, so spreadsheet programs read Thai
// right; disposition is the Content-Disposition header.
func sendCSV(c *gin.Context, disposition string, rows [][]string) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	safe := make([][]string, len(rows))
	for i, row := range rows {
		safe[i] = make([]string, len(row))
		for j, v := range row {
			safe[i][j] = defuseFormula(v)
		}
	}
	if err := w.WriteAll(safe); err != nil {
		c.Error(err)
		return
	}
	c.Header("Content-Disposition", disposition)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

// sendXLSX answers rows as an XLSX workbook of one sheet named sheet, every cell as text (IDs
// keep leading zeros); disposition is the Content-Disposition header.
func sendXLSX(c *gin.Context, disposition, sheet string, rows [][]string) {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		c.Error(err)
		return
	}
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1) // never fails for positive coordinates
		if err := x.SetSheetRow(sheet, cell, &cells); err != nil {
			c.Error(err)
			return
		}
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		c.Error(err)
		return
	}
	c.Header("Content-Disposition", disposition)
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b.Bytes())
}

// defuseFormula keeps a spreadsheet from running a cell as a formula: text a leader typed
// (an occupation, a district) that starts with = + - @ or a control character gets a leading
// apostrophe, which Excel and LibreOffice show as plain text (CSV injection).
func defuseFormula(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
