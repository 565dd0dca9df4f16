package line

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// apiCalls is ssonet_line_api_calls_total{endpoint,status}: every request that reached the HTTP
// layer, by endpoint (EndpointReply, ...) and status ("200", "409", "429", ... or "error" when
// no HTTP answer arrived). Requests refused locally are not counted.
var apiCalls = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "ssonet_line_api_calls_total",
	Help: "LINE Messaging API calls by endpoint and HTTP status (\"error\" when no answer arrived).",
}, []string{"endpoint", "status"})
