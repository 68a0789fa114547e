-- The DuckLake catalog every model is materialized into. ${ONDATRA_PROJECT_DIR} is the
-- project's root folder; other ${NAME}s come from the environment or .env.
--
-- Default: an embedded catalog that needs no server: a SQLite metadata file (lake.sqlite)
-- and a folder of Parquet files (lake.files/), both in the project folder.
-- DATA_INLINING_ROW_LIMIT 0 writes every change to Parquet: with small writes kept inside
-- the SQLite file instead, the first read of each table in a run costs about 20 ms more.
ATTACH 'ducklake:sqlite:${ONDATRA_PROJECT_DIR}/lake.sqlite' AS lake
    (DATA_PATH '${ONDATRA_PROJECT_DIR}/lake.files/', DATA_INLINING_ROW_LIMIT 0);

-- PostgreSQL metadata, for several writers on different machines:
-- ATTACH 'ducklake:postgres:dbname=ducklake host=${PGHOST} user=${PGUSER} password=${PGPASSWORD}' AS lake
--     (DATA_PATH '${ONDATRA_PROJECT_DIR}/lake.files/');

-- Parquet files on S3 (put CREATE SECRET in config/secrets.sql):
-- ATTACH 'ducklake:sqlite:${ONDATRA_PROJECT_DIR}/lake.sqlite' AS lake
--     (DATA_PATH 's3://my-bucket/lake/');
