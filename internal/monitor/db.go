package monitor

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reads the database pools' statistics at each scrape, so
// that the gauges are never stale and nothing polls between scrapes.
type poolCollector struct {
	pools func() map[string]sql.DBStats

	maxOpen, open, inUse, idle *prometheus.Desc
	waitCount, waitDuration    *prometheus.Desc
}

func newPoolCollector(pools func() map[string]sql.DBStats) *poolCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"pool"}, nil)
	}
	return &poolCollector{
		pools:        pools,
		maxOpen:      desc("cairn_db_max_open_connections", "Most connections the pool may open."),
		open:         desc("cairn_db_open_connections", "Connections open, in use or idle."),
		inUse:        desc("cairn_db_in_use_connections", "Connections in use."),
		idle:         desc("cairn_db_idle_connections", "Idle connections."),
		waitCount:    desc("cairn_db_wait_count_total", "Times a query waited for a free connection."),
		waitDuration: desc("cairn_db_wait_duration_seconds_total", "Time spent waiting for a free connection."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.maxOpen, c.open, c.inUse, c.idle, c.waitCount, c.waitDuration} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, st := range c.pools() {
		ch <- prometheus.MustNewConstMetric(c.maxOpen, prometheus.GaugeValue, float64(st.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(st.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(c.inUse, prometheus.GaugeValue, float64(st.InUse), name)
		ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(st.Idle), name)
		ch <- prometheus.MustNewConstMetric(c.waitCount, prometheus.CounterValue, float64(st.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(c.waitDuration, prometheus.CounterValue, st.WaitDuration.Seconds(), name)
	}
}
