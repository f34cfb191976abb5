import { createRouter, createWebHistory, type Router, type RouterHistory } from 'vue-router';
import GridView from './views/GridView.vue';
import StreamDetail from './views/StreamDetail.vue';

/** Client-side routes; the gateway answers every other path with index.html. */
export function createAppRouter(history: RouterHistory = createWebHistory()): Router {
  return createRouter({
    history,
    routes: [
      { path: '/', name: 'grid', component: GridView },
      { path: '/streams/:id', name: 'stream', component: StreamDetail, props: true },
      { path: '/:unknown(.*)*', redirect: '/' },
    ],
  });
}
