import { Paper, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { session } from '../lib/session';

/** Where sellers land until the seller center (console part 2) arrives: says so plainly. */
export function SellerHome() {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="xl" maw={720}>
      <Title order={1} size="h2" mb="sm">
        {t('seller.title')}
      </Title>
      <Text>{t('seller.body', { name: session.get()?.account.name ?? '' })}</Text>
    </Paper>
  );
}
