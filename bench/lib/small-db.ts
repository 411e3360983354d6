import { databaseExists, psql } from "./db.ts";
import { log, mb } from "./format.ts";

/** Version of the schema below: a database made by an older one is made again. */
const SHAPE = "small-v1";

/**
 * A database of Pagila's shape and size, our own: 21 tables (lookup tables, people, inventory,
 * rentals, payments partitioned by month), enums, a domain, foreign keys, indexes and a view,
 * about 3 MB of data. Deterministic: the same rows every time it is made.
 */
const SCHEMA = `
create type rating as enum ('G', 'PG', 'PG-13', 'R', 'NC-17');
create domain year as int check (value between 1901 and 2155);
create table language (id int primary key, name text not null);
create table category (id int primary key, name text not null);
create table country (id int primary key, name text not null);
create table city (id int primary key, name text not null, country_id int references country);
create table address (id int primary key, line text not null, city_id int references city, phone text);
create table actor (id int primary key, first_name text not null, last_name text not null);
create table film (id int primary key, title text not null, description text, release year,
  language_id int references language, length int, rating rating, fulltext tsvector);
create table film_actor (actor_id int references actor, film_id int references film,
  primary key (actor_id, film_id));
create table film_category (film_id int references film, category_id int references category,
  primary key (film_id, category_id));
create table store (id int primary key, address_id int references address);
create table staff (id int primary key, name text not null, store_id int references store,
  address_id int references address, picture bytea);
create table customer (id int primary key, store_id int references store, name text not null,
  email text, address_id int references address, active boolean, created date);
create table inventory (id int primary key, film_id int references film, store_id int references store);
create table rental (id int primary key, rented timestamptz not null, inventory_id int references inventory,
  customer_id int references customer, returned timestamptz, staff_id int references staff);
create table payment (id int, customer_id int, staff_id int, rental_id int, amount numeric(5,2),
  paid timestamptz not null, primary key (id, paid)) partition by range (paid);
create table payment_2026_01 partition of payment for values from ('2026-01-01') to ('2026-02-01');
create table payment_2026_02 partition of payment for values from ('2026-02-01') to ('2026-03-01');
create table payment_2026_03 partition of payment for values from ('2026-03-01') to ('2026-04-01');
create table payment_2026_04 partition of payment for values from ('2026-04-01') to ('2026-05-01');
create table settings (key text primary key, value jsonb);
create index on rental (customer_id);
create index on payment (customer_id);
create index on film using gin (fulltext);
create view customer_list as select c.id, c.name, a.phone, ci.name as city from customer c
  join address a on a.id = c.address_id join city ci on ci.id = a.city_id;
insert into language select g, 'language ' || g from generate_series(1, 6) g;
insert into category select g, 'category ' || g from generate_series(1, 16) g;
insert into country select g, 'country ' || g from generate_series(1, 109) g;
insert into city select g, 'city ' || g, g % 109 + 1 from generate_series(1, 600) g;
insert into address select g, g || ' ' || md5(g::text) || ' street', g % 600 + 1, '555-' || g from generate_series(1, 603) g;
insert into actor select g, 'first' || g, 'last' || md5(g::text) from generate_series(1, 200) g;
insert into film select g, 'film ' || md5(g::text), repeat(md5((g * 3)::text), 3), 2000 + g % 25,
  g % 6 + 1, 60 + g % 120, (array['G','PG','PG-13','R','NC-17'])[g % 5 + 1]::rating,
  to_tsvector('english', 'film ' || md5(g::text)) from generate_series(1, 1000) g;
insert into film_actor select a, f from generate_series(1, 200) a, generate_series(1, 1000) f where (a * 7 + f) % 37 = 0;
insert into film_category select f, f % 16 + 1 from generate_series(1, 1000) f;
insert into store select g, g from generate_series(1, 2) g;
insert into staff select g, 'staff ' || g, g, g + 2, decode(repeat(md5(g::text), 64), 'hex') from generate_series(1, 2) g;
insert into customer select g, g % 2 + 1, 'customer ' || g, 'c' || g || '@example.com', g % 600 + 3,
  g % 10 <> 0, date '2025-01-01' + g % 365 from generate_series(1, 599) g;
insert into inventory select g, g % 1000 + 1, g % 2 + 1 from generate_series(1, 4581) g;
insert into rental select g, timestamptz '2026-01-01' + g * interval '7 minutes', g % 4581 + 1,
  g % 599 + 1, timestamptz '2026-01-03' + g * interval '7 minutes', g % 2 + 1 from generate_series(1, 16044) g;
insert into payment select g, g % 599 + 1, g % 2 + 1, g, (g % 1000) / 100.0,
  timestamptz '2026-01-01' + g * interval '7 minutes' from generate_series(1, 16044) g;
insert into settings values ('shape', '"${SHAPE}"');
analyze;
`;

/** The small database, made when missing or of an older shape; its size in bytes. */
export async function ensureSmallDb(db: string): Promise<number> {
  const made =
    (await databaseExists(db)) &&
    (await psql(
      db,
      "select case when to_regclass('public.settings') is null then '' else (select value #>> '{}' from settings where key = 'shape') end",
    )) === SHAPE;
  if (!made) {
    log(`creating database ${db} (Pagila's shape and size, our own data)`);
    await psql("postgres", `drop database if exists "${db}" with (force)`);
    await psql("postgres", `create database "${db}"`);
    await psql(db, SCHEMA);
  } else {
    log(`reusing database ${db}`);
  }
  const size = Number(await psql(db, "select pg_database_size(current_database())"));
  log(`  ${db}: ${mb(size)} MB on disk`);
  return size;
}
