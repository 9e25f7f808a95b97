"""Analytics on ClickHouse: client, schema migrations, event export, report queries."""
