import { HomeView } from '@/components/workspace/HomeView';

export default function HomePage() {
  return <HomeView />;
}
