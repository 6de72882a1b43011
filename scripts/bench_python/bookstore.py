#!/usr/bin/env python3
"""The seed's Tenant/Author/Book scenario with the Python original (ascetic-ddd 0.1.7), timed.

Same parameters as our `examples/bookstore`: an author's tenant — skew 2, mean 10; a book's
tenant — weights [0.7, 0.2, 0.07, 0.03], mean 50; a book's author — the same weights, mean 50,
and it must belong to the book's tenant. Keys are auto-increment (assigned by the repository).

Two modes, one JSON line each on stdout:

* ``memory``   — in-memory distributors (``distributor_factory``) and ``InMemoryRepository``
                 (subclassed only to hand out auto-increment keys, as a database would);
* ``postgres`` — the seed README's wiring: ``CompositeAutoPkRepository`` of a ``PgRepository``
                 (application table, key from ``RETURNING``) and an ``InternalPgRepository``
                 (faker's JSONB mirror); ``CompositeSessionPool`` of an external and an internal
                 ``PgSessionPool``; one ``session.atomic()`` per book, as in the README's loop.
                 Runs in a fresh schema that is dropped afterwards.

The providers follow the seed README (``/work/shared/seed/README.ru.md``); the deviations, all
needed to make it run on 0.1.7, are listed in README.md next to this file.

    python bookstore.py --books 5000 --mode memory
    python bookstore.py --books 2000 --mode postgres --database-url postgresql://postgres@127.0.0.1:5432/test
"""
import argparse
import asyncio
import dataclasses
import json
import random
import sys
import time
import uuid

from faker import Faker

from ascetic_ddd.faker.domain.distributors.m2o.factory import distributor_factory
from ascetic_ddd.faker.domain.providers.interfaces import (
    IValueProvider, ICompositeValueProvider, IReferenceProvider,
)
from ascetic_ddd.faker.domain.providers.aggregate_provider import AggregateProvider
from ascetic_ddd.faker.domain.providers.reference_provider import ReferenceProvider
from ascetic_ddd.faker.domain.providers.composite_value_provider import CompositeValueProvider
from ascetic_ddd.faker.domain.providers.value_provider import ValueProvider
from ascetic_ddd.faker.infrastructure.repositories.in_memory_repository import InMemoryRepository

fake = Faker()


# ------------------------------------------------------------------ domain model (as in the seed)

@dataclasses.dataclass()
class TenantId:
    value: int | None


@dataclasses.dataclass()
class TenantName:
    value: str


class Tenant:
    def __init__(self, id: TenantId, name: TenantName):
        self._id = id
        self._name = name

    def export(self, exporter: dict):
        exporter['id'] = self._id.value
        exporter['name'] = self._name.value


@dataclasses.dataclass()
class InternalAuthorId:
    value: int | None


@dataclasses.dataclass(kw_only=True)
class AuthorId:
    tenant_id: TenantId
    author_id: InternalAuthorId

    @property
    def value(self):
        return {'tenant_id': self.tenant_id.value, 'author_id': self.author_id.value}


@dataclasses.dataclass()
class AuthorName:
    value: str


class Author:
    def __init__(self, id: AuthorId, name: AuthorName):
        self._id = id
        self._name = name

    def export(self, exporter: dict):
        exporter['id'] = self._id.value
        exporter['name'] = self._name.value


@dataclasses.dataclass()
class InternalBookId:
    value: int | None


@dataclasses.dataclass(kw_only=True)
class BookId:
    tenant_id: TenantId
    book_id: InternalBookId

    @property
    def value(self):
        return {'tenant_id': self.tenant_id.value, 'book_id': self.book_id.value}


@dataclasses.dataclass()
class BookTitle:
    value: str


class Book:
    def __init__(self, id: BookId, author_id: AuthorId, title: BookTitle):
        self._id = id
        self._author_id = author_id
        self._title = title

    def export(self, exporter: dict):
        exporter['id'] = self._id.value
        exporter['author_id'] = self._author_id.value
        exporter['title'] = self._title.value


# ------------------------------------------------------------------ providers (as in the seed)

class TenantProvider(AggregateProvider[dict, Tenant, int, TenantId]):
    _id_attr = 'id'

    id: IValueProvider
    name: IValueProvider
    def __init__(self, repository):
        self.id = ValueProvider[int, TenantId](
            distributor=distributor_factory(),  # auto-increment: the repository assigns it
            output_factory=TenantId,
            output_exporter=lambda x: x.value,
        )
        self.name = ValueProvider[str, TenantName](
            distributor=distributor_factory(sequence=True),
            output_factory=TenantName,
            input_generator=lambda session, query, position: "Tenant %s" % position,
        )
        super().__init__(repository=repository, output_factory=Tenant, output_exporter=self._export)

    @staticmethod
    def _export(agg: Tenant) -> dict:
        exporter = dict()
        agg.export(exporter)
        return exporter


class AuthorIdProvider(CompositeValueProvider[dict, AuthorId]):
    author_id: IValueProvider
    tenant_id: IReferenceProvider
    def __init__(self, tenant_provider: TenantProvider):
        self.author_id = ValueProvider[int, InternalAuthorId](
            distributor=distributor_factory(),
            output_factory=InternalAuthorId,
            output_exporter=lambda x: x.value,
        )
        self.tenant_id = ReferenceProvider[int, TenantId, dict, Tenant](
            distributor=distributor_factory(skew=2.0, mean=10),
            aggregate_provider=tenant_provider,
        )
        super().__init__(output_factory=AuthorId, output_exporter=lambda result: result.value)


class AuthorProvider(AggregateProvider[dict, Author, dict, AuthorId]):
    _id_attr = 'id'
    id: ICompositeValueProvider
    name: IValueProvider
    def __init__(self, repository, tenant_provider: TenantProvider):
        self.id = AuthorIdProvider(tenant_provider=tenant_provider)
        self.name = ValueProvider[str, AuthorName](
            distributor=None,
            output_factory=AuthorName,
            input_generator=lambda session, query, position: "%s %s" % (fake.first_name(), fake.last_name()),
        )
        super().__init__(repository=repository, output_factory=Author, output_exporter=self._export)

    @staticmethod
    def _export(agg: Author) -> dict:
        exporter = dict()
        agg.export(exporter)
        return exporter


class BookIdProvider(CompositeValueProvider[dict, BookId]):
    book_id: IValueProvider
    tenant_id: IReferenceProvider
    def __init__(self, tenant_provider: TenantProvider):
        self.book_id = ValueProvider[int, InternalBookId](
            distributor=distributor_factory(),
            output_factory=InternalBookId,
            output_exporter=lambda x: x.value,
        )
        self.tenant_id = ReferenceProvider[int, TenantId, dict, Tenant](
            distributor=distributor_factory(weights=[0.7, 0.2, 0.07, 0.03], mean=50),
            aggregate_provider=tenant_provider,
        )
        super().__init__(output_factory=BookId, output_exporter=lambda result: result.value)


class BookProvider(AggregateProvider[dict, Book, dict, BookId]):
    _id_attr = 'id'
    id: BookIdProvider
    author_id: IReferenceProvider
    title: IValueProvider
    def __init__(self, repository, tenant_provider: TenantProvider, author_provider: AuthorProvider):
        self.id = BookIdProvider(tenant_provider=tenant_provider)
        self.author_id = ReferenceProvider[dict, AuthorId, dict, Author](
            distributor=distributor_factory(weights=[0.7, 0.2, 0.07, 0.03], mean=50),
            aggregate_provider=author_provider,
        )
        self.title = ValueProvider[str, BookTitle](
            distributor=None,
            output_factory=BookTitle,
            input_generator=lambda session, query, position: fake.sentence(nb_words=3).replace('.', ''),
        )
        super().__init__(repository=repository, output_factory=Book, output_exporter=self._export)

    async def do_populate(self, session, specification=None):
        # The tenant first, then the author is required to belong to it (as in the seed).
        await self.id.populate(session)
        self.author_id.require({'tenant_id': self.id.tenant_id.state()})
        await super().do_populate(session)

    @staticmethod
    def _export(agg: Book) -> dict:
        exporter = dict()
        agg.export(exporter)
        return exporter


def make_providers(tenant_repository, author_repository, book_repository):
    tenant_provider = TenantProvider(tenant_repository)
    tenant_provider.provider_name = 'bookstore.Tenant'
    author_provider = AuthorProvider(author_repository, tenant_provider)
    author_provider.provider_name = 'bookstore.Author'
    book_provider = BookProvider(book_repository, tenant_provider, author_provider)
    book_provider.provider_name = 'bookstore.Book'
    return book_provider


class Stats:
    """What the run produced, to check it is the seed's dataset (counted, not generated)."""

    def __init__(self):
        self.tenants = set()
        self.authors = set()
        self.foreign_authors = 0

    def count(self, book: Book):
        tenant = book._id.tenant_id.value
        self.tenants.add(tenant)
        self.authors.add((book._author_id.tenant_id.value, book._author_id.author_id.value))
        if book._author_id.tenant_id.value != tenant:
            self.foreign_authors += 1


def line(mode, books, seconds, stats, **extra):
    out = {
        'mode': mode,
        'books': books,
        'seconds': round(seconds, 3),
        'books_per_second': round(books / seconds, 1),
        'tenants_referenced': len(stats.tenants),
        'authors_referenced': len(stats.authors),
        'foreign_authors': stats.foreign_authors,
    }
    out.update(extra)
    print(json.dumps(out), flush=True)


# ------------------------------------------------------------------ in memory

class AutoPkInMemoryRepository(InMemoryRepository):
    """InMemoryRepository that hands out auto-increment keys, as the database would."""

    def __init__(self, agg_exporter, assign_pk):
        super().__init__(agg_exporter, id_attr='id')
        self._assign_pk = assign_pk
        self._last = 0

    async def insert(self, session, agg):
        self._last += 1
        self._assign_pk(agg, self._last)
        await super().insert(session, agg)


def _set_tenant_pk(agg, n):
    if agg._id.value is None:
        agg._id.value = n


def _set_author_pk(agg, n):
    if agg._id.author_id.value is None:
        agg._id.author_id.value = n


def _set_book_pk(agg, n):
    if agg._id.book_id.value is None:
        agg._id.book_id.value = n


class MemorySession:
    """Nothing in the in-memory path reads the session; it is passed through."""


async def run_memory(books: int):
    repositories = {
        'tenants': AutoPkInMemoryRepository(TenantProvider._export, _set_tenant_pk),
        'authors': AutoPkInMemoryRepository(AuthorProvider._export, _set_author_pk),
        'books': AutoPkInMemoryRepository(BookProvider._export, _set_book_pk),
    }
    book_provider = make_providers(*repositories.values())
    session = MemorySession()
    stats = Stats()
    started = time.perf_counter()
    for _ in range(books):
        book_provider.reset()
        await book_provider.populate(session)
        book = await book_provider.create(session)
        stats.count(book)
    seconds = time.perf_counter() - started
    line('memory', books, seconds, stats,
         rows={name: len(r._aggregates) for name, r in repositories.items()})


# ------------------------------------------------------------------ PostgreSQL

async def run_postgres(books: int, url: str, schema: str, keep: bool):
    import psycopg
    from psycopg_pool import AsyncConnectionPool
    from ascetic_ddd.faker.infrastructure.repositories.composite_repository import CompositeAutoPkRepository
    from ascetic_ddd.faker.infrastructure.repositories.internal_pg_repository import InternalPgRepository
    from ascetic_ddd.faker.infrastructure.repositories.pg_repository import PgRepository, IAggregateState
    from ascetic_ddd.faker.infrastructure.session.pg_session import InternalPgSessionPool, ExternalPgSessionPool
    from ascetic_ddd.session.composite_session import CompositeSessionPool

    class RowState(IAggregateState):
        """One application-table row; the key column is left out of the INSERT while it is None."""

        def __init__(self, row: dict, pk_field: str, setter):
            self._row = row
            self._pk_field = pk_field
            self._setter = setter

        def fields(self):
            return tuple(self._row)

        def args(self):
            return tuple(self._row.values())

        def kwargs(self):
            return dict(self._row)

        def is_auto_increment_pk(self):
            return self._row[self._pk_field] is None

        def pk_field(self):
            return self._pk_field

        def pk_param(self):
            return self._row[self._pk_field]

        def pk_setter(self):
            return self._setter

    # The seed writes `PgRepository()  # Use real Repository instead`: these are those real
    # repositories — the application tables, keys assigned by the database (RETURNING).
    class TenantRepository(PgRepository):
        _table = 'tenants'

        @staticmethod
        def _agg_exporter(agg: Tenant):
            return RowState({'id': agg._id.value, 'name': agg._name.value}, 'id',
                            lambda v: setattr(agg._id, 'value', v))

    class AuthorRepository(PgRepository):
        _table = 'authors'

        @staticmethod
        def _agg_exporter(agg: Author):
            return RowState(
                {'tenant_id': agg._id.tenant_id.value, 'author_id': agg._id.author_id.value,
                 'name': agg._name.value},
                'author_id', lambda v: setattr(agg._id.author_id, 'value', v))

    class BookRepository(PgRepository):
        _table = 'books'

        @staticmethod
        def _agg_exporter(agg: Book):
            return RowState(
                {'tenant_id': agg._id.tenant_id.value, 'book_id': agg._id.book_id.value,
                 'author_id': agg._author_id.author_id.value, 'title': agg._title.value},
                'book_id', lambda v: setattr(agg._id.book_id, 'value', v))

    # Same application schema as our examples/bookstore (identity keys, composite keys, FKs).
    ddl = f"""
        CREATE SCHEMA {schema};
        CREATE TABLE {schema}.tenants (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name text NOT NULL);
        CREATE TABLE {schema}.authors (
            tenant_id bigint NOT NULL REFERENCES {schema}.tenants (id),
            author_id bigint GENERATED BY DEFAULT AS IDENTITY,
            name text NOT NULL,
            PRIMARY KEY (tenant_id, author_id));
        CREATE TABLE {schema}.books (
            tenant_id bigint NOT NULL REFERENCES {schema}.tenants (id),
            book_id bigint GENERATED BY DEFAULT AS IDENTITY,
            author_id bigint NOT NULL,
            title text NOT NULL,
            PRIMARY KEY (tenant_id, book_id),
            FOREIGN KEY (tenant_id, author_id) REFERENCES {schema}.authors (tenant_id, author_id));
    """
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
        await admin.execute(ddl)
    try:
        kwargs = {'options': f'-c search_path={schema}'}
        internal_pool = AsyncConnectionPool(url, kwargs=kwargs, max_size=4, open=False)
        external_pool = AsyncConnectionPool(url, kwargs=kwargs, max_size=4, open=False)
        await internal_pool.open()
        await external_pool.open()
        try:
            session_pool = CompositeSessionPool(
                ExternalPgSessionPool(external_pool), InternalPgSessionPool(internal_pool))
            book_provider = make_providers(
                CompositeAutoPkRepository(TenantRepository(), InternalPgRepository(
                    table='faker_tenants', agg_exporter=TenantProvider._export)),
                CompositeAutoPkRepository(AuthorRepository(), InternalPgRepository(
                    table='faker_authors', agg_exporter=AuthorProvider._export)),
                CompositeAutoPkRepository(BookRepository(), InternalPgRepository(
                    table='faker_books', agg_exporter=BookProvider._export)),
            )
            stats = Stats()
            started = time.perf_counter()
            for _ in range(books):
                async with session_pool.session() as session, session.atomic() as ts_session:
                    book_provider.reset()
                    await book_provider.populate(ts_session)
                    book = await book_provider.create(ts_session)
                stats.count(book)
            seconds = time.perf_counter() - started
        finally:
            await internal_pool.close()
            await external_pool.close()
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            rows = {}
            for table in ('tenants', 'authors', 'books', 'faker_tenants', 'faker_authors', 'faker_books'):
                cur = await admin.execute(f'SELECT count(*) FROM {schema}.{table}')
                rows[table] = (await cur.fetchone())[0]
        line('postgres', books, seconds, stats, rows=rows, schema=schema)
    finally:
        if not keep:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
                await admin.execute(f'DROP SCHEMA IF EXISTS {schema} CASCADE')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--books', type=int, default=5000)
    p.add_argument('--mode', choices=('memory', 'postgres', 'both'), default='memory')
    p.add_argument('--seed', type=int, default=7)
    p.add_argument('--database-url', default='postgresql://postgres@127.0.0.1:5432/test')
    p.add_argument('--schema', default=None, help='fresh schema name (default: a random bs_py_*)')
    p.add_argument('--keep', action='store_true', help='do not drop the schema afterwards')
    args = p.parse_args()
    if args.books < 1:
        sys.exit('--books must be at least 1')
    # ascetic-ddd draws from the global `random`; the names come from Faker.
    random.seed(args.seed)
    Faker.seed(args.seed)
    if args.mode in ('memory', 'both'):
        asyncio.run(run_memory(args.books))
    if args.mode in ('postgres', 'both'):
        random.seed(args.seed)
        Faker.seed(args.seed)
        schema = args.schema or 'bs_py_' + uuid.uuid4().hex[:8]
        asyncio.run(run_postgres(args.books, args.database_url, schema, args.keep))


if __name__ == '__main__':
    main()
