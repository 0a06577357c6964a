"""the status each installer held from a day on (P-02/P-03): a past day's points statement gives that day's status;
an installer joined before this revision holds its present status from its registration

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 05:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('installer_statuses',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('installer_id', sa.Integer(), nullable=False),
                    sa.Column('status', sa.String(length=20), nullable=False),
                    sa.Column('from_on', sa.Date(), nullable=False),
                    sa.Column('tenant_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['installer_id'], ['installers.id'],
                                            name=op.f('fk_installer_statuses_installer_id_installers'),
                                            ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                            name=op.f('fk_installer_statuses_tenant_id_tenants')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_installer_statuses')))
    op.create_index('ix_installer_statuses_installer', 'installer_statuses', ['tenant_id', 'installer_id', 'from_on'],
                    unique=False)
    op.create_index(op.f('ix_installer_statuses_tenant_id'), 'installer_statuses', ['tenant_id'], unique=False)
    op.execute(sa.text("INSERT INTO installer_statuses (tenant_id, installer_id, status, from_on) "
                       "SELECT tenant_id, id, status, registered_on FROM installers"))


def downgrade():
    op.drop_index(op.f('ix_installer_statuses_tenant_id'), table_name='installer_statuses')
    op.drop_index('ix_installer_statuses_installer', table_name='installer_statuses')
    op.drop_table('installer_statuses')
