"""each organiser's answer to a sub-processor announced after it joined (C-07, DPA §4.7–4.8): its consent, without
which none of its data is entrusted to it, or its objection

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 08:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subprocessor_answers',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('subprocessor_id', sa.Integer(), nullable=False),
                    sa.Column('answer', sa.String(length=10), nullable=False),
                    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('answered_by', sa.Integer(), nullable=True),
                    sa.Column('tenant_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['subprocessor_id'], ['sub_processors.id'],
                                            name=op.f('fk_subprocessor_answers_subprocessor_id_sub_processors')),
                    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                            name=op.f('fk_subprocessor_answers_tenant_id_tenants')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_subprocessor_answers')),
                    sa.UniqueConstraint('tenant_id', 'subprocessor_id',
                                        name=op.f('uq_subprocessor_answers_tenant_id_subprocessor_id')))
    op.create_index(op.f('ix_subprocessor_answers_tenant_id'), 'subprocessor_answers', ['tenant_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_subprocessor_answers_tenant_id'), table_name='subprocessor_answers')
    op.drop_table('subprocessor_answers')
