package handlers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// queryTime reads query parameter name as an instant: RFC 3339 ("2025-03-14T09:30:00+07:00")
// or a calendar date ("2025-03-14", midnight in loc). Absent gives the zero time; anything else
// is an *APIError naming the parameter.
func queryTime(c *gin.Context, name string, loc *time.Location) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, Invalid(name, "want a date (2025-03-14) or an RFC 3339 time (2025-03-14T09:30:00+07:00)")
}

// queryInt reads query parameter name as an integer in [lo, hi]; absent gives def.
func queryInt(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, Invalid(name, "want a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}
