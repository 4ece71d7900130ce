// Cases of Prometheus' own corpus where we answer differently on purpose, with the reason.
// Listed by corpus file and expression; the conformance runner reports them as "different"
// (never as correct) and only when our answer actually differs.

const DELAYED_NAME_REMOVAL =
  "needs Prometheus' experimental promql-delayed-name-removal feature, which its test harness enables; " +
  'default Prometheus 3.x (and we) drop __name__ at once, so these label sets collide';

/** File name → expression → reason. */
export const KNOWN_DIFFERENCES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'name_label_dropping.test': {
    'label_replace(rate({env="1"}[10m]), "my_name", "rate_$1", "__name__", "(.+)")': DELAYED_NAME_REMOVAL,
    'label_replace(rate({env="1"}[10m]), "__name__", "rate_$1", "__name__", "(.+)")': DELAYED_NAME_REMOVAL,
    'label_join(rate({env="1"}[10m]), "my_name", "_", "__name__")': DELAYED_NAME_REMOVAL,
    'label_join(rate({env="1"}[10m]), "__name__", "_", "__name__", "env")': DELAYED_NAME_REMOVAL,
    'sum(rate({env="1"}[10m])) by (env)': DELAYED_NAME_REMOVAL,
    'label_replace(sum by (__name__) (rate(metric_total{env="2"}[5m])), "__name__", "$1", "__name__", "(.+)")':
      DELAYED_NAME_REMOVAL,
    'sum by (__name__) (metric_total{env="1"} or rate(metric_total{env="2"}[5m]))': DELAYED_NAME_REMOVAL,
    'sum by (__name__) (rate(metric_total{env="2"}[5m]) or metric_total{env="1"})': DELAYED_NAME_REMOVAL,
  },
};
