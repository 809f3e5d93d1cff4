-- One database per domain (ARCHITECTURE: nothing shares a database). Run once by the postgres
-- image on an empty volume (/docker-entrypoint-initdb.d).
CREATE DATABASE accounts;
CREATE DATABASE products;
CREATE DATABASE inventory;
CREATE DATABASE reviews;
CREATE DATABASE orders;
CREATE DATABASE payments;
